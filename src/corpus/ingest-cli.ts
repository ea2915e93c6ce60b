/**
 * `npm run corpus:ingest -- <dir | gs://OER_BUCKET/prefix>`: loads Markdown passages (front matter: title,
 * subject, grades) into the corpus, from a directory or from Cloud Storage (Application Default Credentials,
 * GCS_API_ENDPOINT honoured).
 */
import { formatConfigErrors, parseConfig } from '../config/config.js';
import { openDatabase } from '../db/open.js';
import { createLogger } from '../logging/logger.js';
import { ingestDirectory, readPassagesFromBucket, upsertPassages } from './ingest.js';

const dir = process.argv[2];
if (!dir) {
  process.stderr.write(
    'usage: npm run corpus:ingest -- <directory of .md files | gs://bucket/prefix>\n',
  );
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
  let count: number;
  if (dir.startsWith('gs://')) {
    const { Storage } = await import('@google-cloud/storage');
    const endpoint = parsed.config.google?.storageEndpoint ?? process.env.GCS_API_ENDPOINT;
    const storage = new Storage({
      ...(parsed.config.google ? { projectId: parsed.config.google.projectId } : {}),
      ...(endpoint ? { apiEndpoint: endpoint } : {}),
    });
    count = await upsertPassages(database.db, await readPassagesFromBucket(storage, dir));
  } else {
    count = await ingestDirectory(database.db, dir);
  }
  logger.info({ passages: count, dir }, 'corpus ingested');
} catch (err) {
  logger.error({ err: { message: (err as Error).message } }, 'corpus ingest failed');
  process.exitCode = 1;
} finally {
  await database.close();
}
