/** Opens the configured database: DATABASE_URL, or the embedded cluster outside production. Migrates it. */
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import { createDatabase, type Database } from './database.js';
import { migrateToLatest } from './migrate.js';

export interface OpenDatabase {
  db: Database;
  /**
   * The same database, committing asynchronously: a write costs a round trip instead of a WAL flush (about
   * 1.3 ms each here, a dozen per text lesson). For checkpoints, progress and the request upsert only: a Postgres
   * crash can lose the last few hundred ms of them, and the redelivery then redoes that work; a process crash
   * loses nothing. Claims and final states stay on `db`, and a synchronous commit there flushes every earlier one.
   */
  asyncCommitDb: Database;
  close(): Promise<void>;
}

export async function openDatabase(config: Config, logger: Logger): Promise<OpenDatabase> {
  let url = config.databaseUrl;
  let stopEmbedded = async (): Promise<void> => {};
  if (url === undefined) {
    // Lazy: production (DATABASE_URL set) never loads the embedded cluster's code.
    const { startEmbeddedPostgres } = await import('./embedded-postgres.js');
    const embedded = await startEmbeddedPostgres({
      dataDir: config.dataDir,
      port: config.embeddedPostgresPort,
      database: 'content_worker',
      logger,
    });
    url = embedded.url;
    stopEmbedded = () => embedded.stop();
  }
  const handle = createDatabase({ url, poolMax: config.dbPoolMax, logger });
  const asyncCommit = createDatabase({
    url,
    poolMax: config.dbPoolMax,
    logger,
    asynchronousCommit: true,
  });
  try {
    const applied = await migrateToLatest(handle.db as never);
    if (applied.length > 0) logger.info({ migrations: applied }, 'migrations applied');
  } catch (err) {
    await handle.close();
    await asyncCommit.close();
    await stopEmbedded();
    throw err;
  }
  return {
    db: handle.db,
    asyncCommitDb: asyncCommit.db,
    close: async () => {
      await handle.close();
      await asyncCommit.close();
      await stopEmbedded();
    },
  };
}
