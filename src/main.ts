/** Entry point: load config, open the database, build the app, listen, shut down gracefully on SIGTERM. */
import { buildApp } from './app.js';
import { formatConfigErrors, parseConfig } from './config/config.js';
import { openDatabase } from './db/open.js';
import { packageFile } from './config/package-root.js';
import { compileValidators } from './contract/validators.js';
import { ensureStarterCorpus } from './corpus/starter-corpus.js';
import { createLogger } from './logging/logger.js';
import { createLessonPipeline, secondsToMs } from './pipeline/lesson-pipeline.js';
import { selectProviders } from './providers/select-providers.js';

const parsed = parseConfig(process.env);
if (!parsed.ok) {
  process.stderr.write(formatConfigErrors(parsed.errors) + '\n');
  process.exit(78); // EX_CONFIG
}
const config = parsed.config;
const logger = createLogger(config.logLevel);

const database = await openDatabase(config, logger).catch((err: Error) => {
  logger.fatal(
    { err: { message: err.message, code: (err as { code?: string }).code } },
    'database could not be opened',
  );
  process.exit(1);
});
const loaded = await ensureStarterCorpus(database.db, packageFile('data', 'oer'));
if (loaded > 0) logger.info({ passages: loaded }, 'starter corpus loaded (first start)');
const validators = compileValidators();
const providers = await selectProviders(config, database.db, logger, validators).catch(
  async (err: Error) => {
    logger.fatal({ err: { message: err.message } }, 'providers could not be set up');
    await database.close();
    process.exit(1);
  },
);
const pipeline = createLessonPipeline(providers, validators, secondsToMs(config.stageTimeouts));
const shutdown = new AbortController();
const app = await buildApp({
  config,
  logger,
  db: database.db,
  asyncCommitDb: database.asyncCommitDb,
  pipeline,
  validators,
  shutdownSignal: shutdown.signal,
});
await app.listen({ port: config.port, host: config.host });

let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  const graceMs = config.shutdownGraceSeconds * 1000;
  logger.info(
    { signal, grace_seconds: config.shutdownGraceSeconds },
    'shutting down: refusing new deliveries, finishing in-flight ones',
  );
  const abortTimer = setTimeout(() => {
    logger.warn('grace period over: aborting in-flight deliveries (they nack)');
    shutdown.abort(new Error('service shutting down'));
  }, graceMs);
  // Last resort if something ignores the abort: never outlive the platform's SIGKILL silently.
  setTimeout(() => {
    logger.error('in-flight work did not stop after the grace period; exiting');
    process.exit(1);
  }, graceMs + 5_000).unref();
  // A keep-alive connection that was busy when close() began turns idle later; close those as they go quiet.
  const idleSweep = setInterval(() => app.server.closeIdleConnections(), 100);
  await app.close();
  clearInterval(idleSweep);
  clearTimeout(abortTimer);
  await database.close();
  logger.info('stopped');
  process.exit(0);
}
process.once('SIGTERM', () => void stop('SIGTERM'));
process.once('SIGINT', () => void stop('SIGINT'));
