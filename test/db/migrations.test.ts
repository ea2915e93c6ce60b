import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { migrateToLatest, pendingMigrations } from '../../src/db/migrate.js';
import { MIGRATIONS } from '../../src/db/migrations/index.js';
import { createEmptyDatabase, openHandle } from '../support/database.js';
import { watchQueries } from '../support/watch-queries.js';

const handles: { close(): Promise<void> }[] = [];
afterAll(async () => Promise.all(handles.map((h) => h.close())));

async function emptyDb() {
  const { url } = await createEmptyDatabase();
  const handle = openHandle(url, { poolMax: 10 });
  handles.push(handle);
  return handle.db;
}

describe('migrations', () => {
  it('apply every versioned file once, then report nothing pending', async () => {
    const db = await emptyDb();
    expect(await pendingMigrations(db as never)).toEqual(Object.keys(MIGRATIONS));
    expect(await migrateToLatest(db as never)).toEqual(Object.keys(MIGRATIONS));
    expect(await pendingMigrations(db as never)).toEqual([]);
    expect(await migrateToLatest(db as never)).toEqual([]);
  });

  it('run once when instances start together (advisory lock)', async () => {
    const db = await emptyDb();
    const runs = await Promise.all([1, 2, 3, 4].map(() => migrateToLatest(db as never)));
    expect(runs.flat()).toEqual(Object.keys(MIGRATIONS));
    const rows = await sql<{ n: number }>`select count(*)::int as n from kysely_migration`.execute(
      db,
    );
    expect(rows.rows[0]?.n).toBe(Object.keys(MIGRATIONS).length);
  });

  it('create the indexes the reads need', async () => {
    const db = await emptyDb();
    await migrateToLatest(db as never);
    const rows = await sql<{
      indexdef: string;
    }>`select indexdef from pg_indexes where tablename = 'content_requests'`.execute(db);
    const defs = rows.rows.map((r) => r.indexdef).join('\n');
    expect(defs).toMatch(/\(correlation_id\) WHERE \(correlation_id IS NOT NULL\)/);
    expect(defs).toMatch(/\(student_id, status, created_at DESC\)/);
    expect(defs).toMatch(/\(status, updated_at\)/);
  });

  it('roll back cleanly', async () => {
    const db = await emptyDb();
    await migrateToLatest(db as never);
    for (const m of Object.values(MIGRATIONS).reverse()) await m.down?.(db as never);
    const tables = await sql<{
      n: number;
    }>`select count(*)::int as n from information_schema.tables where table_name in ('content_requests', 'stage_runs')`.execute(
      db,
    );
    expect(tables.rows[0]?.n).toBe(0);
  });

  it('answer a start on a current schema with one query (no lock, no Migrator)', async () => {
    const { url } = await createEmptyDatabase();
    const open = () => {
      const handle = openHandle(url);
      handles.push(handle);
      return handle;
    };
    await migrateToLatest(open().db as never);
    const restarted = open();
    const statements: string[] = [];
    watchQueries(restarted.pool, (text) => statements.push(text));
    expect(await migrateToLatest(restarted.db as never)).toEqual([]);
    expect(await pendingMigrations(restarted.db as never)).toEqual([]);
    expect(statements).toEqual([
      'select name from kysely_migration',
      'select name from kysely_migration',
    ]);
  });

  it('refuse, as the Migrator does, a database that ran a migration this code does not know', async () => {
    const db = await emptyDb();
    await migrateToLatest(db as never);
    await sql`insert into kysely_migration (name, timestamp) values ('9999_from_a_newer_revision', now()::text)`.execute(
      db,
    );
    await expect(migrateToLatest(db as never)).rejects.toThrow(/9999_from_a_newer_revision/);
  });
});
