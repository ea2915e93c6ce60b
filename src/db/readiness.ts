/** Readiness: the database answers within the timeout and every migration is applied. */
import { sql } from 'kysely';
import type { Readiness } from '../contract/types.js';
import type { Database } from './database.js';
import { pendingMigrations } from './migrate.js';

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function createReadinessCheck(db: Database, timeoutMs: number): () => Promise<Readiness> {
  // Migrations never un-apply while we run: once current, stop asking.
  let migrationsCurrent = false;
  return async () => {
    try {
      await withTimeout(
        (async () => {
          await sql`select 1`.execute(db);
          if (!migrationsCurrent)
            migrationsCurrent = (await pendingMigrations(db as never)).length === 0;
        })(),
        timeoutMs,
      );
    } catch {
      return {
        status: 'not_ready',
        checks: { database: 'unreachable', migrations: migrationsCurrent ? 'current' : 'unknown' },
      };
    }
    return migrationsCurrent
      ? { status: 'ready', checks: { database: 'ok', migrations: 'current' } }
      : { status: 'not_ready', checks: { database: 'ok', migrations: 'pending' } };
  };
}
