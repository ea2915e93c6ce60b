/** A throwaway embedded Postgres in a temporary directory, for a benchmark run; `stop()` removes both. */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startEmbeddedPostgres } from '../../src/db/embedded-postgres.js';
import { freePort } from '../../test/support/free-port.js';

export interface ScratchPostgres {
  /** The temporary directory (also the service's DATA_DIR). */
  dir: string;
  url: string;
  stop(): Promise<void>;
}

export async function startScratchPostgres(database: string): Promise<ScratchPostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'content-worker-bench-'));
  // As root, Postgres runs as its own user, which must reach the directory.
  chmodSync(dir, 0o755);
  const pg = await startEmbeddedPostgres({
    dataDir: dir,
    port: await freePort(),
    database,
    logger: pino({ level: 'warn' }),
  });
  return {
    dir,
    url: pg.url,
    stop: async () => {
      await pg.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
