/**
 * One real Postgres for the whole run: TEST_DATABASE_URL if set (a server whose
 * user may create databases), else an embedded cluster in a temporary
 * directory. Each test file then creates its own database (see database.ts).
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../../src/db/embedded-postgres.js';
import { freePort } from './free-port.js';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresAdminUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env.TEST_DATABASE_URL;
  if (external) {
    project.provide('postgresAdminUrl', external);
    return async () => {};
  }
  const dir = mkdtempSync(join(tmpdir(), 'content-worker-test-pg-'));
  chmodSync(dir, 0o755);
  const embedded = await startEmbeddedPostgres({
    dataDir: dir,
    port: await freePort(),
    database: 'postgres',
    logger: pino({ level: 'warn' }),
  });
  project.provide('postgresAdminUrl', embedded.url);
  return async () => {
    await embedded.stop();
    rmSync(dir, { recursive: true, force: true });
  };
}
