/** `npm run corpus:ingest -- <dir>`: loads Markdown passages (front matter: title, subject, grades) into the corpus. */
import { formatConfigErrors, parseConfig } from '../config/config.js';
import { openDatabase } from '../db/open.js';
import { createLogger } from '../logging/logger.js';
import { ingestDirectory } from './ingest.js';

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: npm run corpus:ingest -- <directory of .md files>\n');
  process.exit(64);
}
const parsed = parseConfig(process.env);
if (!parsed.ok) {
  process.stderr.write(formatConfigErrors(parsed.errors) + '\n');
  process.exit(78);
}
const logger = createLogger(parsed.config.logLevel);
const database = await openDatabase(parsed.config, logger);
try {
  const count = await ingestDirectory(database.db, dir);
  logger.info({ passages: count, dir }, 'corpus ingested');
} catch (err) {
  logger.error({ err: { message: (err as Error).message } }, 'corpus ingest failed');
  process.exitCode = 1;
} finally {
  await database.close();
}
