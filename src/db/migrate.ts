/**
 * Runs the versioned migrations with Kysely's Migrator. Its Postgres adapter
 * holds an advisory lock for the run, so instances starting together migrate once.
 */
import { Migrator, sql, type Kysely, type MigrationResultSet } from 'kysely';
import { MIGRATIONS } from './migrations/index.js';

function migrator(db: Kysely<unknown>): Migrator {
  return new Migrator({ db, provider: { getMigrations: async () => ({ ...MIGRATIONS }) } });
}

export class MigrationError extends Error {
  readonly code = 'migration_failed';
}

/**
 * Exactly the known migrations are recorded: the usual start, answered with one query where the Migrator takes
 * a lock and reads several tables (a tenth of the cold start). Anything else (no table yet on a first start, one
 * missing, one this code does not know) goes to the Migrator, which applies or refuses as it always has.
 */
async function allRecorded(db: Kysely<unknown>): Promise<boolean> {
  const known = Object.keys(MIGRATIONS);
  try {
    const { rows } = await sql<{ name: string }>`select name from kysely_migration`.execute(db);
    return rows.length === known.length && rows.every((row) => known.includes(row.name));
  } catch {
    return false;
  }
}

export async function migrateToLatest(db: Kysely<unknown>): Promise<string[]> {
  if (await allRecorded(db)) return [];
  const { error, results }: MigrationResultSet = await migrator(db).migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new MigrationError(
      `migration ${failed} failed: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Names of migrations not yet applied (empty when the schema is current). */
export async function pendingMigrations(db: Kysely<unknown>): Promise<string[]> {
  if (await allRecorded(db)) return [];
  const all = await migrator(db).getMigrations();
  return all.filter((m) => m.executedAt === undefined).map((m) => m.name);
}
