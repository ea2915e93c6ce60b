/** The starter corpus, loaded on the first start only. */
import type { Database } from '../db/database.js';

/** Loads the passages in `dir` when the corpus is empty; returns how many it loaded (0 when it was not). */
export async function ensureStarterCorpus(db: Database, dir: string): Promise<number> {
  const row = await db
    .selectFrom('oer_passages')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .executeTakeFirstOrThrow();
  if (Number(row.n) > 0) return 0;
  // The Markdown reader (gray-matter, js-yaml) loads only when there is something to read.
  const { ingestDirectory } = await import('./ingest.js');
  return ingestDirectory(db, dir);
}
