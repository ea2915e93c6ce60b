/**
 * End to end through Google's Pub/Sub emulator: the service runs as a separate
 * process (the built JS `npm start` runs), the emulator pushes to it with a
 * dead-letter policy, and every scenario checks the final state of every
 * message: the database, the artifacts, and the dead-letter queue.
 */
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PubSub } from '@google-cloud/pubsub';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run as cli } from '../../src/cli/commands.js';
import { ensureTopology, type Topology } from '../../src/cli/topology.js';
import { createDatabase } from '../../src/db/database.js';
import { startEmbeddedPostgres } from '../../src/db/embedded-postgres.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { freePort } from '../support/free-port.js';
import { emulatorBinary, startEmulator, type Emulator } from '../support/pubsub-emulator.js';
import { startService, type ServiceProcess } from '../support/service-process.js';

const PROJECT = 'e2e-project';
const suite = emulatorBinary ? describe : describe.skip;

let emulator: Emulator;
let pubsub: PubSub;
let t: TestDatabase;
const dataDir = mkdtempSync(join(tmpdir(), 'content-worker-e2e-'));
const services: ServiceProcess[] = [];

beforeAll(async () => {
  if (!emulatorBinary) return;
  emulator = await startEmulator();
  process.env.PUBSUB_EMULATOR_HOST = emulator.host;
  process.env.PUBSUB_PROJECT_ID = PROJECT;
  pubsub = new PubSub({ projectId: PROJECT });
  t = await createTestDatabase({ migrate: false });
}, 120_000);

afterAll(async () => {
  for (const s of services) if (s.proc.exitCode === null) s.proc.kill('SIGKILL');
  await pubsub?.close();
  await emulator?.stop();
  await t?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function service(env: Record<string, string> = {}, port?: number): Promise<ServiceProcess> {
  const s = await startService({
    env: { DATABASE_URL: t.url, DATA_DIR: dataDir, ...env },
    ...(port ? { port } : {}),
  });
  services.push(s);
  return s;
}

let topologies = 0;
async function topology(s: ServiceProcess, retry: boolean): Promise<Topology & { name: string }> {
  const n = `t${++topologies}-${randomUUID().slice(0, 8)}`;
  const topo = {
    name: n,
    topic: `${n}-requests`,
    pushSubscription: `${n}-push`,
    pushEndpoint: s.url('/pubsub/push'),
    deadLetterTopic: `${n}-dlq`,
    deadLetterSubscription: `${n}-dlq-sub`,
    maxDeliveryAttempts: 5,
    ackDeadlineSeconds: 60,
    ...(retry ? { retryPolicy: { minimumBackoffSeconds: 1, maximumBackoffSeconds: 3 } } : {}),
  };
  await ensureTopology(pubsub, topo);
  return topo;
}

function request(overrides: Record<string, unknown> = {}) {
  return {
    request_id: randomUUID(),
    student_id: 'e2e',
    student_query: 'Why does a basketball bounce higher on a hard floor?',
    grade_level: 6,
    interest: 'basketball',
    modality: 'text',
    ...overrides,
  };
}

const publish = (topic: string, payload: unknown) =>
  pubsub.topic(topic).publishMessage({
    data: Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload)),
  });

async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const rowOf = (id: string) =>
  t.db.selectFrom('content_requests').selectAll().where('id', '=', id).executeTakeFirst();

async function deadLetters(topo: Topology) {
  const lines: string[] = [];
  await cli(['dlq', 'list', '--json', '--dlq-subscription', topo.deadLetterSubscription], (l) =>
    lines.push(l),
  );
  return lines.map(
    (l) =>
      JSON.parse(l) as {
        message_id: string;
        source_delivery_count: number;
        attributes: Record<string, string>;
        payload: { valid: boolean; request_id: string | null };
      },
  );
}

function deliveryLines(s: ServiceProcess) {
  return s.stdout
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => l.message === 'delivery finished');
}

function artifacts(id: string): string[] {
  const dir = join(dataDir, 'storage', 'requests', id);
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

suite('through the Pub/Sub emulator', () => {
  let main: ServiceProcess;
  beforeAll(async () => {
    main = await service();
  }, 60_000);

  it('a batch of text and video requests with publisher duplicates: each completes exactly once', async () => {
    const topo = await topology(main, false);
    const texts = [1, 2, 3].map(() => request());
    const videos = [1, 2].map(() =>
      request({ modality: 'video', grade_level: 4, student_query: 'How do magnets attract iron?' }),
    );
    // Text duplicates race their originals; video duplicates arrive once their originals are done.
    await Promise.all([...texts, ...videos, ...texts].map((r) => publish(topo.topic, r)));
    const all = [...texts, ...videos];
    await waitFor(
      'every request completed',
      async () =>
        (await Promise.all(all.map((r) => rowOf(r.request_id)))).every(
          (r) => r?.status === 'completed',
        ),
      90_000,
    );
    await waitFor('every completion logged', async () =>
      all.every((r) =>
        deliveryLines(main).some((l) => l.request_id === r.request_id && l.outcome === 'completed'),
      ),
    );
    await Promise.all(videos.map((r) => publish(topo.topic, r)));
    await waitFor(
      'the video duplicates answered',
      async () =>
        deliveryLines(main).filter(
          (l) => videos.some((v) => v.request_id === l.request_id) && l.outcome === 'duplicate',
        ).length === 2,
    );

    for (const r of all) {
      const lines = deliveryLines(main).filter((l) => l.request_id === r.request_id);
      expect(
        lines.filter((l) => l.outcome === 'completed'),
        r.request_id,
      ).toHaveLength(1);
      expect(
        lines.every((l) =>
          ['completed', 'duplicate', 'in_progress_elsewhere'].includes(l.outcome as string),
        ),
      ).toBe(true);
      const row = await rowOf(r.request_id);
      expect(row).toMatchObject({ status: 'completed', attempt_count: 1, error_code: null });
    }
    for (const r of texts) expect(artifacts(r.request_id)).toEqual(['lesson.json', 'lesson.md']);
    for (const r of videos) {
      const files = artifacts(r.request_id);
      expect(files.filter((f) => f.startsWith('audio/')).length).toBeGreaterThanOrEqual(3);
      expect(files.filter((f) => !f.startsWith('audio/'))).toEqual([
        'lesson.json',
        'lesson.md',
        'lesson.mp4',
      ]);
    }
    expect(await deadLetters(topo)).toEqual([]);
  }, 120_000);

  it('poison messages reach the dead-letter topic after exactly 5 deliveries; a valid request_id is marked dead_lettered', async () => {
    const topo = await topology(main, false);
    const known = request();
    await t.db
      .insertInto('content_requests')
      .values({ id: known.request_id, student_id: 's', student_query: 'q', grade_level: 3 })
      .execute();
    const poison = [
      'not json at all',
      JSON.stringify(request({ request_id: 'not-a-uuid' })),
      JSON.stringify({ student_id: 'x' }),
      JSON.stringify(request({ grade_level: 'seven' })),
      JSON.stringify({ ...known, grade_level: 99 }),
    ];
    const ids = await Promise.all(poison.map((p) => publish(topo.topic, p)));

    const letters = await waitFor(
      '5 dead letters',
      async () => {
        const found = await deadLetters(topo);
        return found.length === 5 ? found : undefined;
      },
      90_000,
    );
    for (const letter of letters) {
      expect(letter.source_delivery_count).toBe(5);
      expect(letter.attributes.CloudPubSubDeadLetterSourceSubscription).toBe(topo.pushSubscription);
      expect(letter.payload.valid).toBe(false);
    }
    expect(letters.filter((l) => l.payload.request_id === known.request_id)).toHaveLength(1);
    // The service saw each poison message exactly 5 times, and answered 4xx each time.
    for (const id of ids) {
      const seen = deliveryLines(main).filter((l) => l.message_id === id);
      expect(seen, id).toHaveLength(5);
      expect(seen.every((l) => l.http_status === 400 || l.http_status === 422)).toBe(true);
    }
    expect(await rowOf(known.request_id)).toMatchObject({
      status: 'failed',
      error_code: 'dead_lettered',
    });
  }, 120_000);

  it('the CLI replays a dead letter to the topic (acked only then) and purges the rest', async () => {
    const topo = await topology(main, false);
    const fixable = request();
    // Two poison messages: one with a well-formed request, one not even JSON.
    await publish(topo.topic, JSON.stringify({ ...fixable, grade_level: 13 }));
    await publish(topo.topic, 'garbage');
    const letters = await waitFor(
      '2 dead letters',
      async () => ((await deadLetters(topo)).length === 2 ? deadLetters(topo) : undefined),
      60_000,
    );
    const out: string[] = [];
    const garbage = letters.find((l) => l.payload.request_id === null)!;
    // Replaying to a topic keeps the attributes and adds replayed_from; the replayed message is poison again, so it comes back.
    expect(
      await cli(
        [
          'dlq',
          'replay',
          '--id',
          garbage.message_id,
          '--dlq-subscription',
          topo.deadLetterSubscription,
          '--topic',
          topo.topic,
        ],
        (l) => out.push(l),
      ),
    ).toBe(0);
    expect(out.join('\n')).toContain(`${garbage.message_id}: replayed to ${topo.topic}`);
    const back = await waitFor(
      'the replay to be dead-lettered again',
      async () =>
        (await deadLetters(topo)).find((l) => l.attributes.replayed_from === garbage.message_id),
      60_000,
    );
    expect(back.source_delivery_count).toBe(5);
    expect(
      await cli(
        ['dlq', 'replay', '--id', 'no-such-id', '--dlq-subscription', topo.deadLetterSubscription],
        () => undefined,
      ),
    ).toBe(1);
    expect(
      await cli(
        ['dlq', 'purge', '--dlq-subscription', topo.deadLetterSubscription],
        () => undefined,
      ).catch((e: Error) => e.message),
    ).toMatch(/--yes/);
    expect((await deadLetters(topo)).length).toBe(2);
    expect(
      await cli(
        ['dlq', 'purge', '--yes', '--dlq-subscription', topo.deadLetterSubscription],
        () => undefined,
      ),
    ).toBe(0);
    expect(await deadLetters(topo)).toEqual([]);
  }, 120_000);

  it('the CLI replays a dead letter to an endpoint as a push envelope', async () => {
    const topo = await topology(main, false);
    const r = request();
    // A request that was dead-lettered while the service could not take it: a valid payload in the DLQ.
    await pubsub.topic(topo.deadLetterTopic).publishMessage({
      data: Buffer.from(JSON.stringify(r)),
      attributes: { CloudPubSubDeadLetterSourceDeliveryCount: '5' },
    });
    const lines: string[] = [];
    expect(
      await cli(
        [
          'dlq',
          'replay',
          '--all',
          '--endpoint',
          main.url('/pubsub/push'),
          '--token',
          'id-token',
          '--dlq-subscription',
          topo.deadLetterSubscription,
        ],
        (l) => lines.push(l),
      ),
    ).toBe(0);
    expect(await rowOf(r.request_id)).toMatchObject({ status: 'completed' });
    expect(await deadLetters(topo)).toEqual([]);
  }, 60_000);

  it('the CLI publishes a request file', async () => {
    const topo = await topology(main, false);
    const lines: string[] = [];
    expect(
      await cli(['publish', 'data/sample-request.json', '--topic', topo.topic, '--json'], (l) =>
        lines.push(l),
      ),
    ).toBe(0);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      request_id: '5b0e7c1e-8f3a-4d2b-9c61-2f7d1a9e4b10',
      topic: topo.topic,
    });
    await waitFor(
      'the sample to complete',
      async () => (await rowOf('5b0e7c1e-8f3a-4d2b-9c61-2f7d1a9e4b10'))?.status === 'completed',
      60_000,
    );
  }, 60_000);

  it('transient provider failures are retried by redelivery, reusing checkpoints, then complete', async () => {
    // The encoder runs once per delivery (speech runs scenes side by side, so two faults could land in one).
    const flaky = await service({ OFFLINE_FAULTS: 'encoder=2' });
    const topo = await topology(flaky, false);
    const r = request({
      modality: 'video',
      student_query: 'What are fractions?',
      grade_level: 4,
      interest: 'pizza',
    });
    await publish(topo.topic, r);
    await waitFor(
      'the request to complete',
      async () => (await rowOf(r.request_id))?.status === 'completed',
      60_000,
    );
    // The outcome line is written just after the database says completed: wait for the line itself.
    await waitFor(
      'the completed delivery line',
      async () =>
        deliveryLines(flaky).some(
          (l) => l.request_id === r.request_id && l.outcome === 'completed',
        ),
      60_000,
    );
    const lines = deliveryLines(flaky).filter((l) => l.request_id === r.request_id);
    expect(lines.map((l) => l.outcome)).toEqual(['retry', 'retry', 'completed']);
    expect(await rowOf(r.request_id)).toMatchObject({ attempt_count: 3 });
    const reused = flaky.stdout
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter(
        (l) => l.request_id === r.request_id && String(l.message).startsWith('stage already done'),
      );
    const done = ['understand', 'retrieve', 'script', 'narrate'];
    expect(reused.map((l) => l.stage)).toEqual([...done, ...done]);
    expect(await deadLetters(topo)).toEqual([]);
  }, 90_000);

  it('SIGKILL mid-pipeline, then a restart: the request completes and is not dead-lettered', async () => {
    const port = await freePort();
    const first = await service({}, port);
    const topo = await topology(first, true);
    const r = request({
      modality: 'video',
      student_query: 'How does the water cycle work?',
      grade_level: 4,
      interest: 'surfing',
    });
    await publish(topo.topic, r);
    await waitFor(
      'the video to be mid-pipeline',
      async () => ['narrate', 'render'].includes((await rowOf(r.request_id))?.current_stage ?? ''),
      30_000,
    );
    first.proc.kill('SIGKILL');
    await first.exited;
    const second = await service({}, port);
    await waitFor(
      'the request to complete after the restart',
      async () => (await rowOf(r.request_id))?.status === 'completed',
      60_000,
    );
    await waitFor('the completed delivery line', async () =>
      deliveryLines(second).some((l) => l.request_id === r.request_id && l.outcome === 'completed'),
    );
    expect(await rowOf(r.request_id)).toMatchObject({ status: 'completed', error_code: null });
    expect(
      deliveryLines(second)
        .filter((l) => l.request_id === r.request_id)
        .map((l) => l.outcome),
    ).toContain('completed');
    expect(await deadLetters(topo)).toEqual([]);
    second.proc.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  }, 120_000);

  it('SIGTERM during a delivery: it nacks within the grace period, the process exits 0, and the request completes later', async () => {
    const port = await freePort();
    const first = await service({ SHUTDOWN_GRACE_SECONDS: '1' }, port);
    const topo = await topology(first, true);
    const r = request({
      modality: 'video',
      student_query: 'How do plants make food from sunlight?',
      grade_level: 5,
      interest: 'gardening',
    });
    await publish(topo.topic, r);
    await waitFor(
      'the video to be mid-pipeline',
      async () => ['narrate', 'render'].includes((await rowOf(r.request_id))?.current_stage ?? ''),
      30_000,
    );
    const stoppedAt = Date.now();
    first.proc.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(Date.now() - stoppedAt).toBeLessThan(1000 + 3000);
    // The grace period (1 s) ran out mid-render: the in-flight delivery was aborted and nacked.
    expect(
      deliveryLines(first)
        .filter((l) => l.request_id === r.request_id)
        .map((l) => l.http_status),
    ).toEqual([503]);
    const second = await service({}, port);
    await waitFor(
      'the request to complete after the restart',
      async () => (await rowOf(r.request_id))?.status === 'completed',
      60_000,
    );
    expect(await deadLetters(topo)).toEqual([]);
    second.proc.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  }, 120_000);
});

suite('through the Pub/Sub emulator, with the database going away', () => {
  it('deliveries nack (503) and readiness fails while Postgres is down; everything completes once it is back', async () => {
    const pgDir = mkdtempSync(join(tmpdir(), 'content-worker-e2e-pg-'));
    chmodSync(pgDir, 0o755);
    const pgPort = await freePort();
    const logger = pino({ level: 'silent' });
    let pg = await startEmbeddedPostgres({ dataDir: pgDir, port: pgPort, database: 'e2e', logger });
    try {
      const s = await startService({ env: { DATABASE_URL: pg.url, DATA_DIR: dataDir } });
      services.push(s);
      const topo = await topology(s, true);
      const first = request({
        modality: 'video',
        student_query: 'Why do we have a water cycle?',
        grade_level: 4,
      });
      await publish(topo.topic, first);
      const probe = createDatabase({ url: pg.url, poolMax: 1, logger });
      await waitFor(
        'the video to be mid-pipeline',
        async () => {
          const row = await probe.db
            .selectFrom('content_requests')
            .select('current_stage')
            .where('id', '=', first.request_id)
            .executeTakeFirst();
          return ['narrate', 'render'].includes(row?.current_stage ?? '');
        },
        30_000,
      );
      await probe.close();
      await pg.stop();

      const ready = await fetch(s.url('/health/ready'));
      expect(ready.status).toBe(503);
      const second = request();
      await publish(topo.topic, second);
      await waitFor(
        'a 503 while the database is down',
        async () => deliveryLines(s).some((l) => l.http_status === 503),
        30_000,
      );
      await new Promise((r) => setTimeout(r, 1500));

      pg = await startEmbeddedPostgres({ dataDir: pgDir, port: pgPort, database: 'e2e', logger });
      const check = createDatabase({ url: pg.url, poolMax: 1, logger });
      try {
        for (const r of [first, second]) {
          await waitFor(
            `${r.request_id} to complete`,
            async () =>
              (
                await check.db
                  .selectFrom('content_requests')
                  .select('status')
                  .where('id', '=', r.request_id)
                  .executeTakeFirst()
              )?.status === 'completed',
            90_000,
          );
        }
      } finally {
        await check.close();
      }
      expect((await fetch(s.url('/health/ready'))).status).toBe(200);
      expect(await deadLetters(topo)).toEqual([]);
      s.proc.kill('SIGTERM');
      expect(await s.exited).toBe(0);
    } finally {
      await pg.stop();
      rmSync(pgDir, { recursive: true, force: true });
    }
  }, 180_000);
});
