/**
 * Generates src/db/schema.gen.ts from the migrated schema with kysely-codegen,
 * so the database types are never written by hand.
 *   npm run gen:db-types             write the file
 *   npm run gen:db-types -- --check  exit 1 if the file is not current
 * Uses DATABASE_URL when set (a scratch database: it is migrated), else a throwaway embedded Postgres.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { createDatabase } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../src/db/embedded-postgres.js';
import { freePort } from '../test/support/free-port.js';

const check = process.argv.includes('--check');
const logger = pino({ level: 'warn' });
let embedded: EmbeddedPostgres | undefined;
let scratch: string | undefined;
let url = process.env.DATABASE_URL;
try {
  if (!url) {
    scratch = mkdtempSync(join(tmpdir(), 'content-worker-codegen-'));
    chmodSync(scratch, 0o755);
    embedded = await startEmbeddedPostgres({
      dataDir: scratch,
      port: await freePort(),
      database: 'codegen',
      logger,
    });
    url = embedded.url;
  }
  const handle = createDatabase({ url, poolMax: 2, logger });
  await migrateToLatest(handle.db as never);
  await handle.close();
  const args = [
    'kysely-codegen',
    '--dialect',
    'postgres',
    '--url',
    url,
    '--out-file',
    'src/db/schema.gen.ts',
    '--exclude-pattern',
    'kysely_migration*',
  ];
  if (check) args.push('--verify');
  execFileSync('npx', args, { stdio: 'inherit' });
} finally {
  await embedded?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
}
