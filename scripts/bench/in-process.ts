/**
 * What `npm run bench` measures inside one process, where it can look at every call: the pipeline's own overhead
 * per text delivery (total minus provider time), database round trips per delivery (every pg query counted), and
 * for the offline media path a 6-scene video lesson: per-stage times, the encoder's share, and the longest
 * event-loop stall while it renders (monitorEventLoopDelay).
 */
import { randomUUID } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { join } from 'node:path';
import { pino } from 'pino';
import { buildApp } from '../../src/app.js';
import { parseConfig } from '../../src/config/config.js';
import { packageFile } from '../../src/config/package-root.js';
import { compileValidators } from '../../src/contract/validators.js';
import { ingestDirectory } from '../../src/corpus/ingest.js';
import { createDatabase } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { createLessonPipeline, secondsToMs } from '../../src/pipeline/lesson-pipeline.js';
import { aroundCalls } from '../../src/providers/around-calls.js';
import type { Providers } from '../../src/providers/providers.js';
import { createOfflineProviders } from '../../src/providers/offline/offline-providers.js';
import { contentRequest } from '../../test/support/envelope.js';
import { watchQueries } from '../../test/support/watch-queries.js';
import { median } from './processes.js';

/** Sums the time spent inside provider calls, and notes the round-trip count when the first one starts. */
class ProviderClock {
  ms = 0;
  encoderMs = 0;
  queriesAtFirstCall: number | undefined;
  constructor(private readonly queries: () => number) {}

  wrap(providers: Providers): Providers {
    return aroundCalls(providers, async (provider, call) => {
      this.queriesAtFirstCall ??= this.queries();
      const started = performance.now();
      try {
        return await call();
      } finally {
        const ms = performance.now() - started;
        this.ms += ms;
        if (provider === 'encoder') this.encoderMs += ms;
      }
    });
  }

  reset(): void {
    this.ms = 0;
    this.encoderMs = 0;
    this.queriesAtFirstCall = undefined;
  }
}

// About 25 words a scene, plus its heading: six scenes make close to a minute of speech at espeak's 160 words a minute.
const NARRATION = [
  'Have you ever wondered why a basketball bounces higher on the gym floor than on grass? Today we find out, using the science of energy.',
  'Think about it: a falling ball carries kinetic energy, the energy of motion. When it hits the ground, all that energy must go somewhere else.',
  'For a moment the ball squashes flat, just like a spring. A hard floor barely moves, so the stored energy pushes the ball right back up again.',
  'Outside, grass and soft soil bend under the ball. They soak up energy as heat and movement instead of giving it back as bounce.',
  'Scientists compare the speed after a bounce with the speed before it. Hard floors keep much more of that speed, so they win.',
  'So the softer the surface, the more energy it steals from your ball, and the lower it bounces. Great work today, scientists!',
];

export interface InProcessReport {
  text: {
    deliveries: number;
    total_ms: number;
    provider_ms: number;
    overhead_ms: number;
    round_trips: number;
    round_trips_before_first_stage: number;
  };
  video: {
    scenes: number;
    video_seconds: number;
    total_ms: number;
    per_stage_ms: Record<string, number>;
    encoder_ms: number;
    encoder_share: number;
    event_loop_max_ms: number;
    event_loop_max_ms_first_run: number;
  };
}

export async function measureInProcess(
  url: string,
  scratch: string,
  textDeliveries = 200,
): Promise<InProcessReport> {
  const logger = pino({ level: 'warn' });
  // As main.ts opens it: claims and final states on `db`, checkpoints and progress committing asynchronously.
  const main = createDatabase({ url, poolMax: 10, logger });
  const asyncCommit = createDatabase({ url, poolMax: 10, logger, asynchronousCommit: true });
  const { db } = main;
  let queries = 0;
  for (const pool of [main.pool, asyncCommit.pool]) watchQueries(pool, () => queries++);
  await migrateToLatest(db as never);
  await ingestDirectory(db, packageFile('data', 'oer'));
  const parsed = parseConfig({ STORAGE_DIR: join(scratch, 'storage'), LOG_LEVEL: 'warn' });
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  const config = parsed.config;
  const clock = new ProviderClock(() => queries);
  const offline = createOfflineProviders(config, db, logger);
  const sixScenes: Providers['writer'] = {
    understand: (input, signal) => offline.writer.understand(input, signal),
    async writeScript(input, signal) {
      const written = await offline.writer.writeScript(input, signal);
      const base = written.value.scenes;
      const scenes = NARRATION.map((narration, i) => ({
        ...base[i % base.length]!,
        heading: `Part ${i + 1}`,
        narration,
      }));
      return { ...written, value: { ...written.value, scenes } };
    },
  };
  const validators = compileValidators();
  const timeouts = secondsToMs(config.stageTimeouts);
  const textApp = await buildApp({
    config,
    logger,
    db,
    asyncCommitDb: asyncCommit.db,
    validators,
    pipeline: createLessonPipeline(clock.wrap(offline), validators, timeouts),
    shutdownSignal: new AbortController().signal,
  });
  const videoApp = await buildApp({
    config,
    logger,
    db,
    asyncCommitDb: asyncCommit.db,
    validators,
    pipeline: createLessonPipeline(
      clock.wrap({ ...offline, writer: sixScenes }),
      validators,
      timeouts,
    ),
    shutdownSignal: new AbortController().signal,
  });

  async function deliver(app: typeof textApp, modality: 'text' | 'video') {
    const request = contentRequest({ modality });
    clock.reset();
    const before = queries;
    const started = performance.now();
    const res = await app.inject({
      method: 'POST',
      url: '/pubsub/push',
      payload: {
        message: {
          data: Buffer.from(JSON.stringify(request)).toString('base64'),
          messageId: randomUUID(),
        },
        subscription: 'bench',
      },
    });
    const total = performance.now() - started;
    if (res.statusCode !== 200 || res.json<{ outcome: string }>().outcome !== 'completed')
      throw new Error(
        `bench: a ${modality} delivery did not complete: ${res.statusCode} ${res.body}`,
      );
    return {
      id: request.request_id as string,
      total,
      providerMs: clock.ms,
      encoderMs: clock.encoderMs,
      roundTrips: queries - before,
      beforeFirstStage: (clock.queriesAtFirstCall ?? queries) - before,
    };
  }

  for (let i = 0; i < 20; i++) await deliver(textApp, 'text'); // warm-up: JIT, pool connections
  const text = [];
  for (let i = 0; i < textDeliveries; i++) text.push(await deliver(textApp, 'text'));

  const histogram = monitorEventLoopDelay({ resolution: 10 });
  const video = [];
  const stalls: number[] = [];
  for (let i = 0; i < 4; i++) {
    histogram.reset();
    histogram.enable();
    const run = await deliver(videoApp, 'video');
    histogram.disable();
    stalls.push(histogram.max / 1e6);
    const stages = await db
      .selectFrom('stage_runs')
      .select(['stage', 'duration_ms', 'output'])
      .where('request_id', '=', run.id)
      .execute();
    const render = stages.find((s) => s.stage === 'render')?.output as {
      duration_seconds: number;
      slides: number;
    };
    video.push({
      ...run,
      stages: Object.fromEntries(stages.map((s) => [s.stage, s.duration_ms ?? 0])),
      scenes: render.slides,
      seconds: render.duration_seconds,
    });
  }
  const warm = video.slice(1); // the first run loads canvas and the fonts
  await textApp.close();
  await videoApp.close();
  await main.close();
  await asyncCommit.close();

  const stageNames = Object.keys(warm[0]!.stages);
  const videoTotal = median(warm.map((v) => v.total));
  const encoderMs = median(warm.map((v) => v.encoderMs));
  return {
    text: {
      deliveries: text.length,
      total_ms: median(text.map((t) => t.total)),
      provider_ms: median(text.map((t) => t.providerMs)),
      overhead_ms: median(text.map((t) => t.total - t.providerMs)),
      round_trips: median(text.map((t) => t.roundTrips)),
      round_trips_before_first_stage: median(text.map((t) => t.beforeFirstStage)),
    },
    video: {
      scenes: warm[0]!.scenes,
      video_seconds: warm[0]!.seconds,
      total_ms: videoTotal,
      per_stage_ms: Object.fromEntries(
        stageNames.map((s) => [s, median(warm.map((v) => v.stages[s] ?? 0))]),
      ),
      encoder_ms: encoderMs,
      encoder_share: encoderMs / videoTotal,
      event_loop_max_ms: Math.max(...stalls.slice(1)),
      event_loop_max_ms_first_run: stalls[0]!,
    },
  };
}
