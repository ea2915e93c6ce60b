/**
 * Named (server-side prepared) statements under Kysely, which sends every query unnamed: Postgres then parses and
 * plans it on each call, half its CPU for the duplicate lookup. A query whose SQL starts with `named(...)`'s marker
 * goes to pg as a named statement instead: parsed and planned once per connection, then only bound and executed.
 * Opt-in per query (prepared-query.ts), for fixed statements on hot paths: a connection keeps each one until it
 * closes, so statements whose text varies must never be named.
 */
import type { PostgresPool, PostgresPoolClient } from 'kysely';
import type pg from 'pg';

const MARKER = /^\/\* named ([a-z][a-z0-9_]*) \*\/ /;

/** The SQL comment that names a statement; Postgres ignores it, the pool below reads it. */
export function named(name: string, sql: string): string {
  const marked = `/* named ${name} */ ${sql}`;
  if (!MARKER.test(marked))
    throw new Error(`statement_name_invalid: "${name}" must be lower case letters, digits and _`);
  return marked;
}

/** The pool Kysely is given: pg's, sending marked statements by name. */
export function namingPool(pool: pg.Pool): PostgresPool {
  return {
    async connect(): Promise<PostgresPoolClient> {
      const client = await pool.connect();
      // Kysely passes a cursor only for .stream(), which needs a `cursor` in the dialect; ours has none.
      const query = (sql: string, parameters: readonly unknown[]) => {
        const name = sql.startsWith('/* named ') ? MARKER.exec(sql)?.[1] : undefined;
        // pg copies a config object (slowly), so an unnamed statement goes as text and values.
        return name === undefined
          ? client.query(sql, [...parameters])
          : client.query({ name, text: sql, values: [...parameters] });
      };
      return {
        query: query as unknown as PostgresPoolClient['query'],
        release: () => client.release(),
      };
    },
    end: () => pool.end(),
  };
}
