/** The real lesson pipeline on offline providers, over a test database, with call counters around each provider. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { STAGES, type StageName } from '../../src/config/config.js';
import { compileValidators } from '../../src/contract/validators.js';
import { packageFile } from '../../src/config/package-root.js';
import { ingestDirectory } from '../../src/corpus/ingest.js';
import type { Database } from '../../src/db/database.js';
import { createLessonPipeline } from '../../src/pipeline/lesson-pipeline.js';
import type { Pipeline } from '../../src/pipeline/pipeline.js';
import { createOfflineProviders } from '../../src/providers/offline/offline-providers.js';
import type { Providers } from '../../src/providers/providers.js';

export type Calls = Record<
  'understand' | 'writeScript' | 'synthesize' | 'encode' | 'search',
  number
>;

export interface TestPipeline {
  pipeline: Pipeline;
  providers: Providers;
  calls: Calls;
  storageDir: string;
}

export async function loadStarterCorpus(db: Database): Promise<number> {
  return ingestDirectory(db, packageFile('data', 'oer'));
}

export function buildLessonPipeline(
  db: Database,
  options: {
    override?: (p: Providers) => Partial<Providers>;
    timeoutsMs?: Partial<Record<StageName, number>>;
  } = {},
): TestPipeline {
  const storageDir = mkdtempSync(join(tmpdir(), 'content-worker-storage-'));
  const base = createOfflineProviders(
    { storageDir, ffmpegPath: undefined, renderConcurrency: 1 },
    db,
    pino({ level: 'silent' }),
  );
  const providers = { ...base, ...options.override?.(base) };
  const calls: Calls = { understand: 0, writeScript: 0, synthesize: 0, encode: 0, search: 0 };
  // Counting wrappers around the real providers: the providers themselves are not replaced.
  const counted: Providers = {
    ...providers,
    writer: {
      understand: (i, s) => (calls.understand++, providers.writer.understand(i, s)),
      writeScript: (i, s) => (calls.writeScript++, providers.writer.writeScript(i, s)),
    },
    speech: { synthesize: (t, l, s) => (calls.synthesize++, providers.speech.synthesize(t, l, s)) },
    encoder: { encode: (j, s) => (calls.encode++, providers.encoder.encode(j, s)) },
    corpus: { search: (q, s) => (calls.search++, providers.corpus.search(q, s)) },
  };
  const timeoutsMs = Object.fromEntries(
    STAGES.map((s) => [s, options.timeoutsMs?.[s] ?? 60_000]),
  ) as Record<StageName, number>;
  return {
    pipeline: createLessonPipeline(counted, compileValidators(), timeoutsMs),
    providers: counted,
    calls,
    storageDir,
  };
}
