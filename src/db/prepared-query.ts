/**
 * A query built and compiled once, then run with fresh parameters, as a named statement (named-statements.ts):
 * on a hot path Kysely's builder (immutable, frozen operation nodes, compiled on every call) cost as much CPU as
 * the round trip itself, and Postgres's parse and plan as much again. The typed builder still defines the query
 * and its row type.
 */
import type { Compilable, CompiledQuery, Kysely } from 'kysely';
import { named } from './named-statements.js';

export function preparedQuery<DB, P extends readonly unknown[], R>(
  name: string,
  build: (db: Kysely<DB>, ...params: P) => Compilable<R>,
  sample: P,
): (db: Kysely<DB>, ...params: P) => Promise<R[]> {
  const compiledFor = new WeakMap<Kysely<DB>, CompiledQuery<R>>();
  return async (db, ...params) => {
    let compiled = compiledFor.get(db);
    if (compiled === undefined) {
      compiled = build(db, ...sample).compile();
      // Parameters are swapped by position: the builder must bind exactly the sample values, in order.
      const bound = compiled.parameters;
      if (bound.length !== sample.length || bound.some((value, i) => value !== sample[i]))
        throw new Error(
          `prepared_query_mismatch: the builder bound [${bound.join(', ')}], expected the sample [${sample.join(', ')}]`,
        );
      compiled = { ...compiled, sql: named(name, compiled.sql) };
      compiledFor.set(db, compiled);
    }
    const { query, queryId, sql } = compiled;
    return (await db.executeQuery<R>({ query, queryId, sql, parameters: params })).rows;
  };
}
