/** A fresh, migrated database per test file on the run's Postgres. */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { pino } from 'pino';
import { inject } from 'vitest';
import {
  createDatabase,
  type Database,
  type DatabaseHandle,
  type DatabaseOptions,
} from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';

export interface TestDatabase {
  url: string;
  db: Database;
  close(): Promise<void>;
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = '/' + name;
  return u.toString();
}

export async function createEmptyDatabase(): Promise<{ url: string; name: string }> {
  const admin = inject('postgresAdminUrl');
  const name = 'test_' + randomUUID().replace(/-/g, '');
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    await client.query(`create database ${name}`);
  } finally {
    await client.end();
  }
  return { url: withDatabase(admin, name), name };
}

export async function createTestDatabase(
  options: { migrate?: boolean } = {},
): Promise<TestDatabase> {
  const { url } = await createEmptyDatabase();
  const handle = openHandle(url, { poolMax: 10 });
  if (options.migrate !== false) await migrateToLatest(handle.db as never);
  return { url, db: handle.db, close: () => handle.close() };
}

/** A pool of its own on `url`, logging nothing (a test that counts queries or connections needs one); the caller closes it. */
export function openHandle(
  url: string,
  options: Partial<Omit<DatabaseOptions, 'url' | 'logger'>> = {},
): DatabaseHandle {
  return createDatabase({ url, poolMax: 2, logger: pino({ level: 'silent' }), ...options });
}

/** A pool on a port where nothing listens: every query fails to connect. */
export const unreachableDatabase = (): DatabaseHandle =>
  openHandle('postgres://x:y@127.0.0.1:1/none', { poolMax: 1 });
