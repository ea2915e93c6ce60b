/** `npm run migrate`: applies pending migrations to DATABASE_URL (or the embedded cluster) and exits. */
import { formatConfigErrors, parseConfig } from '../config/config.js';
import { createLogger } from '../logging/logger.js';
import { openDatabase } from './open.js';

const parsed = parseConfig(process.env);
if (!parsed.ok) {
  process.stderr.write(formatConfigErrors(parsed.errors) + '\n');
  process.exit(78);
}
const logger = createLogger(parsed.config.logLevel);
const database = await openDatabase(parsed.config, logger);
await database.close();
logger.info('database is at the latest migration');
