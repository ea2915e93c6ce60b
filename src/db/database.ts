/** The Postgres pool and the typed Kysely instance over it. */
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Logger } from 'pino';
import { namingPool } from './named-statements.js';
import type { DB } from './schema.gen.js';

export type Database = Kysely<DB>;

export interface DatabaseHandle {
  db: Database;
  pool: pg.Pool;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  url: string;
  poolMax: number;
  logger: Logger;
  /** How long a checkout may wait for a connection before the delivery gives up (and nacks). */
  connectionTimeoutMs?: number;
  /**
   * Commit without waiting for the WAL flush (`synchronous_commit=off`). For writes whose loss in a Postgres
   * crash only means redoing work: checkpoints, progress and the request upsert. Never for claims or final states.
   */
  asynchronousCommit?: boolean;
}

export function createDatabase(options: DatabaseOptions): DatabaseHandle {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolMax,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 5_000,
    idleTimeoutMillis: 30_000,
    application_name: 'content-worker',
    ...(options.asynchronousCommit ? { options: '-c synchronous_commit=off' } : {}),
  });
  // An idle client whose server went away emits 'error' on the pool; unhandled, it would crash the process.
  pool.on('error', (err) =>
    options.logger.warn(
      { err: { message: err.message, code: (err as { code?: string }).code } },
      'idle database connection lost',
    ),
  );
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool: namingPool(pool) }) });
  return { db, pool, close: () => db.destroy() };
}
