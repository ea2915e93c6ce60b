/**
 * Benchmark (not a test): a text and a video lesson through the offline
 * providers, end to end through POST /pubsub/push (in-process), printing
 * per-stage times and the totals. `npm run bench:pipeline [-- --runs N]`
 * Uses DATABASE_URL when set, else a throwaway embedded Postgres.
 */
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { buildApp } from '../src/app.js';
import { parseConfig } from '../src/config/config.js';
import { packageFile } from '../src/config/package-root.js';
import { compileValidators } from '../src/contract/validators.js';
import { ingestDirectory } from '../src/corpus/ingest.js';
import { createDatabase } from '../src/db/database.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../src/db/embedded-postgres.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { createLessonPipeline, secondsToMs } from '../src/pipeline/lesson-pipeline.js';
import { createOfflineProviders } from '../src/providers/offline/offline-providers.js';
import { freePort } from '../test/support/free-port.js';
import { contentRequest } from '../test/support/envelope.js';
import { median } from './bench/processes.js';

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 3;
const logger = pino({ level: 'warn' });
const scratch = mkdtempSync(join(tmpdir(), 'content-worker-bench-'));
chmodSync(scratch, 0o755);
let embedded: EmbeddedPostgres | undefined;
let url = process.env.DATABASE_URL;
if (!url) {
  embedded = await startEmbeddedPostgres({
    dataDir: scratch,
    port: await freePort(),
    database: 'bench',
    logger,
  });
  url = embedded.url;
}
const handle = createDatabase({ url, poolMax: 10, logger });
await migrateToLatest(handle.db as never);
await ingestDirectory(handle.db, packageFile('data', 'oer'));
const parsed = parseConfig({ STORAGE_DIR: join(scratch, 'storage') });
if (!parsed.ok) throw new Error(parsed.errors.join('; '));
const config = parsed.config;
const providers = createOfflineProviders(config, handle.db, logger);
const app = await buildApp({
  config,
  logger,
  db: handle.db,
  pipeline: createLessonPipeline(providers, compileValidators(), secondsToMs(config.stageTimeouts)),
  shutdownSignal: new AbortController().signal,
});

async function lesson(modality: 'text' | 'video') {
  const id = randomUUID();
  const payload = contentRequest({ request_id: id, modality });
  const started = performance.now();
  const res = await app.inject({
    method: 'POST',
    url: '/pubsub/push',
    payload: {
      message: { data: Buffer.from(JSON.stringify(payload)).toString('base64'), messageId: id },
      subscription: 'bench',
    },
  });
  const total = performance.now() - started;
  if (res.statusCode !== 200)
    throw new Error(`bench delivery failed: ${res.statusCode} ${res.body}`);
  const stages = await handle.db
    .selectFrom('stage_runs')
    .select(['stage', 'duration_ms', 'output'])
    .where('request_id', '=', id)
    .orderBy('started_at')
    .execute();
  const video = stages.find((s) => s.stage === 'render')?.output as
    { duration_seconds?: number; slides?: number } | undefined;
  return {
    total,
    stages: Object.fromEntries(stages.map((s) => [s.stage, s.duration_ms ?? 0])),
    scenes: video?.slides,
    videoSeconds: video?.duration_seconds,
  };
}

const report: Record<string, unknown> = {};
for (const modality of ['text', 'video'] as const) {
  await lesson(modality); // warm-up: lazy module loads, font registration, WASM compile
  const samples: Awaited<ReturnType<typeof lesson>>[] = [];
  for (let i = 0; i < runs; i++) samples.push(await lesson(modality));
  const stageNames = Object.keys(samples[0]!.stages);
  const perStage = Object.fromEntries(
    stageNames.map((s) => [s, median(samples.map((x) => x.stages[s] ?? 0))]),
  );
  const total = median(samples.map((x) => x.total));
  console.log(
    `\n${modality} lesson (median of ${runs}${samples[0]!.scenes ? `, ${samples[0]!.scenes} scenes, ${samples[0]!.videoSeconds?.toFixed(1)} s of video` : ''})`,
  );
  console.log('stage       ms');
  for (const [stage, ms] of Object.entries(perStage))
    console.log(`${stage.padEnd(10)} ${String(ms).padStart(6)}`);
  console.log(
    `${'total'.padEnd(10)} ${String(Math.round(total)).padStart(6)}   (delivery, end to end)`,
  );
  if (modality === 'video')
    console.log(`render share of total: ${((100 * (perStage.render ?? 0)) / total).toFixed(0)}%`);
  report[modality] = { per_stage_ms: perStage, total_ms: Math.round(total) };
}
console.log('\n' + JSON.stringify(report));

await app.close();
await handle.close();
await embedded?.stop();
rmSync(scratch, { recursive: true, force: true });
