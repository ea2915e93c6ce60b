import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PermanentError, TransientError, type Pipeline } from '../../src/pipeline/pipeline.js';
import { placeholderPipeline } from '../support/placeholder-pipeline.js';
import { buildTestApp, type TestApp } from '../support/app.js';
import { createTestDatabase, unreachableDatabase, type TestDatabase } from '../support/database.js';
import { contentRequest, envelope } from '../support/envelope.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t.close());

async function push(ta: TestApp, body: unknown, headers: Record<string, string> = {}) {
  const res = await ta.app.inject({
    method: 'POST',
    url: '/pubsub/push',
    payload: body as object,
    headers,
  });
  return { status: res.statusCode, body: res.json() as Record<string, unknown> };
}

async function row(id: string) {
  return t.db.selectFrom('content_requests').selectAll().where('id', '=', id).executeTakeFirst();
}

function outcomeLine(ta: TestApp) {
  return ta.logs.filter((l) => l.message === 'delivery finished').at(-1);
}

describe('POST /pubsub/push', () => {
  it('completed, then duplicate for the same request', async () => {
    const ta = await buildTestApp(t.db);
    const payload = contentRequest({ correlation_id: 'corr-1' });
    const first = await push(ta, envelope(payload, { messageId: 'msg-1' }));
    expect(first).toEqual({
      status: 200,
      body: { outcome: 'completed', request_id: payload.request_id, status: 'completed' },
    });
    const second = await push(ta, envelope(payload, { messageId: 'msg-1' }));
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ outcome: 'duplicate', status: 'completed' });
    expect(await row(payload.request_id as string)).toMatchObject({
      status: 'completed',
      attempt_count: 1,
      progress_percentage: 100,
    });
    const line = outcomeLine(ta)!;
    expect(line).toMatchObject({
      severity: 'INFO',
      outcome: 'duplicate',
      request_id: payload.request_id,
      message_id: 'msg-1',
      correlation_id: 'corr-1',
      http_status: 200,
    });
    expect(typeof line.total_ms).toBe('number');
  });

  it('400 invalid_envelope for a body that is not a push envelope, or not JSON at all', async () => {
    const ta = await buildTestApp(t.db);
    expect(await push(ta, { hello: 'world' })).toMatchObject({
      status: 400,
      body: { outcome: 'invalid_envelope' },
    });
    const res = await ta.app.inject({
      method: 'POST',
      url: '/pubsub/push',
      payload: '{"message":',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ outcome: 'invalid_envelope' });
    const empty = await ta.app.inject({
      method: 'POST',
      url: '/pubsub/push',
      payload: '',
      headers: { 'content-type': 'application/json' },
    });
    expect(empty.statusCode).toBe(400);
  });

  it('422 invalid_payload for data that is not JSON or fails the schema, including a NUL byte', async () => {
    const ta = await buildTestApp(t.db);
    expect(await push(ta, envelope('not json'))).toMatchObject({
      status: 422,
      body: { outcome: 'invalid_payload' },
    });
    expect(await push(ta, envelope(contentRequest({ request_id: 'nope' })))).toMatchObject({
      status: 422,
    });
    const nul = contentRequest({ student_query: 'what is \u0000 zero' });
    const res = await push(ta, envelope(nul));
    expect(res).toMatchObject({
      status: 422,
      body: { outcome: 'invalid_payload', request_id: nul.request_id },
    });
    expect(await row(nul.request_id as string)).toBeUndefined();
  });

  it('415 for a body that is not JSON, 413 for one over the limit: never a 5xx', async () => {
    const ta = await buildTestApp(t.db);
    const text = await ta.app.inject({
      method: 'POST',
      url: '/pubsub/push',
      payload: 'hello',
      headers: { 'content-type': 'text/plain' },
    });
    expect(text.statusCode).toBe(415);
    expect(text.json()).toMatchObject({ error: 'unsupported_media_type' });
    const big = await ta.app.inject({
      method: 'POST',
      url: '/pubsub/push',
      payload: JSON.stringify({ pad: 'x'.repeat(ta.config.bodyLimitBytes) }),
      headers: { 'content-type': 'application/json' },
    });
    expect(big.statusCode).toBe(413);
    expect(big.json()).toMatchObject({ error: 'payload_too_large' });
  });

  it('accepts a legal 10 MB message (about 13.4 MB in its envelope)', async () => {
    const ta = await buildTestApp(t.db);
    const payload = contentRequest({ padding: 'p'.repeat(10 * 1024 * 1024 - 300) });
    const body = envelope(payload);
    expect(JSON.stringify(body).length).toBeGreaterThan(13_900_000);
    expect(await push(ta, body)).toMatchObject({ status: 200, body: { outcome: 'completed' } });
  });

  it('409 in_progress_elsewhere while another message holds a live lease', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow: Pipeline = async (run) => {
      await gate;
      return placeholderPipeline(run);
    };
    const ta = await buildTestApp(t.db, { pipeline: slow });
    const payload = contentRequest();
    const first = push(ta, envelope(payload, { messageId: 'a' }));
    await new Promise((r) => setTimeout(r, 200));
    const second = await push(ta, envelope(payload, { messageId: 'b', deliveryAttempt: 5 }));
    expect(second).toMatchObject({ status: 409, body: { outcome: 'in_progress_elsewhere' } });
    release();
    expect((await first).body.outcome).toBe('completed');
    // A 409 on the last attempt never marks the request dead-lettered: its holder owns it.
    expect(await row(payload.request_id as string)).toMatchObject({
      status: 'completed',
      error_code: null,
    });
  });

  it('fires concurrent deliveries of one request: exactly one runs it', async () => {
    let runs = 0;
    const counting: Pipeline = async (run) => {
      runs += 1;
      await new Promise((r) => setTimeout(r, 300));
      return placeholderPipeline(run);
    };
    const ta = await buildTestApp(t.db, { pipeline: counting });
    const payload = contentRequest();
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => push(ta, envelope(payload, { messageId: `dup-${i}` }))),
    );
    expect(runs).toBe(1);
    expect(results.filter((r) => r.body.outcome === 'completed')).toHaveLength(1);
    expect(
      results.every((r) =>
        ['completed', 'in_progress_elsewhere', 'duplicate'].includes(r.body.outcome as string),
      ),
    ).toBe(true);
  });

  it('503 retry on a transient failure, releasing the lease so the redelivery runs at once', async () => {
    let calls = 0;
    const flaky: Pipeline = async (run) => {
      calls += 1;
      if (calls === 1) throw new TransientError('provider_unavailable', 'the model answered 503');
      return placeholderPipeline(run);
    };
    const ta = await buildTestApp(t.db, { pipeline: flaky });
    const payload = contentRequest();
    const first = await push(ta, envelope(payload, { messageId: 'x1' }));
    expect(first).toMatchObject({ status: 503, body: { outcome: 'retry' } });
    expect(await row(payload.request_id as string)).toMatchObject({
      lease_owner: null,
      status: 'validating',
    });
    expect(await push(ta, envelope(payload, { messageId: 'x1' }))).toMatchObject({
      status: 200,
      body: { outcome: 'completed' },
    });
  });

  it('503 retry when a stage is aborted (a timeout)', async () => {
    const timesOut: Pipeline = async () => {
      await new Promise((r) => setTimeout(r, 10));
      throw new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    };
    const ta = await buildTestApp(t.db, { pipeline: timesOut });
    expect(await push(ta, envelope(contentRequest()))).toMatchObject({
      status: 503,
      body: { outcome: 'retry' },
    });
  });

  it('500 bug on an unexpected exception, logged with its stack but without the query', async () => {
    const broken: Pipeline = async () => {
      throw new TypeError('cannot read properties of undefined');
    };
    const ta = await buildTestApp(t.db, { pipeline: broken });
    const payload = contentRequest({ student_query: 'SECRET-QUERY-TEXT about volcanoes' });
    expect(await push(ta, envelope(payload))).toMatchObject({
      status: 500,
      body: { outcome: 'bug' },
    });
    const line = ta.logs.find((l) => l.message === 'delivery failed unexpectedly') as {
      err: { stack: string };
    };
    expect(line.err.stack).toContain('TypeError');
    expect(ta.rawLogs.join('\n')).not.toContain('SECRET-QUERY-TEXT');
  });

  it('200 failed_permanently when generation can never succeed; the request is failed', async () => {
    const blocked: Pipeline = async () => {
      throw new PermanentError('content_blocked', 'the model refused this content');
    };
    const ta = await buildTestApp(t.db, { pipeline: blocked });
    const payload = contentRequest();
    expect(await push(ta, envelope(payload))).toMatchObject({
      status: 200,
      body: { outcome: 'failed_permanently', status: 'failed' },
    });
    expect(await row(payload.request_id as string)).toMatchObject({
      status: 'failed',
      error_code: 'content_blocked',
      error_message: 'the model refused this content',
    });
  });

  it('200 failed_permanently when the pipeline returns a failure', async () => {
    const ta = await buildTestApp(t.db, {
      pipeline: async () => ({
        kind: 'failed',
        code: 'no_sources',
        message: 'nothing to ground the lesson in',
      }),
    });
    const payload = contentRequest();
    expect(await push(ta, envelope(payload))).toMatchObject({
      status: 200,
      body: { outcome: 'failed_permanently' },
    });
    expect(await row(payload.request_id as string)).toMatchObject({
      status: 'failed',
      error_code: 'no_sources',
    });
  });

  it('200 clarification_needed stores the questions', async () => {
    const ta = await buildTestApp(t.db, {
      pipeline: async () => ({
        kind: 'clarification_needed',
        result: { questions: ['Which planet?'] },
      }),
    });
    const payload = contentRequest();
    expect(await push(ta, envelope(payload))).toMatchObject({
      status: 200,
      body: { outcome: 'clarification_needed', status: 'clarification_needed' },
    });
    expect(await row(payload.request_id as string)).toMatchObject({
      status: 'clarification_needed',
      result: { questions: ['Which planet?'] },
    });
  });

  it('503 retry, not a 5xx bug, when the database is unavailable', async () => {
    const ta = await buildTestApp(t.db);
    const dead = unreachableDatabase();
    const { buildTestApp: build } = await import('../support/app.js');
    const down = await build(dead.db);
    expect(await push(down, envelope(contentRequest()))).toMatchObject({
      status: 503,
      body: { outcome: 'retry', detail: 'database unavailable' },
    });
    // A bad message is still a 4xx when the database is down.
    expect(
      await push(down, envelope(contentRequest({ grade_level: 40 }), { deliveryAttempt: 5 })),
    ).toMatchObject({ status: 422 });
    await dead.close();
    await ta.app.close();
  });
});

describe('delivery logs', () => {
  it('carry the trace from X-Cloud-Trace-Context on every line of the delivery', async () => {
    const ta = await buildTestApp(t.db, { env: { GOOGLE_CLOUD_PROJECT: 'proj-1' } });
    await push(ta, envelope(contentRequest(), { deliveryAttempt: 4 }), {
      'x-cloud-trace-context': '105445aa7843bc8bf206b12000100000/1;o=1',
    });
    const lines = ta.logs.filter((l) => 'request_id' in l);
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const l of lines)
      expect(l['logging.googleapis.com/trace']).toBe(
        'projects/proj-1/traces/105445aa7843bc8bf206b12000100000',
      );
  });
});

describe('delivery attempts', () => {
  it('logs delivery_attempt on every line of a delivery and warns above 3', async () => {
    const ta = await buildTestApp(t.db);
    await push(ta, envelope(contentRequest(), { deliveryAttempt: 4 }));
    const lines = ta.logs.filter((l) => 'request_id' in l);
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const l of lines) expect(l.delivery_attempt).toBe(4);
    expect(
      lines.find((l) => l.severity === 'WARNING' && String(l.message).includes('poison')),
    ).toBeDefined();
  });

  it("falls back to the request's attempt count when the envelope has none (the emulator)", async () => {
    const flaky: Pipeline = async () => {
      throw new TransientError('provider_unavailable', '503');
    };
    const ta = await buildTestApp(t.db, { pipeline: flaky });
    const payload = contentRequest();
    for (let i = 1; i <= 3; i++) await push(ta, envelope(payload, { messageId: 'same' }));
    expect(outcomeLine(ta)).toMatchObject({ delivery_attempt: 3 });
  });

  it('the last attempt that nacks marks the request dead_lettered (envelope attempt)', async () => {
    const ta = await buildTestApp(t.db, {
      pipeline: async () => {
        throw new TransientError('provider_unavailable', '503');
      },
    });
    const payload = contentRequest();
    expect(await push(ta, envelope(payload, { deliveryAttempt: 4 }))).toMatchObject({
      status: 503,
    });
    expect(await row(payload.request_id as string)).toMatchObject({ error_code: null });
    expect(await push(ta, envelope(payload, { deliveryAttempt: 5 }))).toMatchObject({
      status: 503,
      body: { outcome: 'retry', status: 'failed' },
    });
    expect(await row(payload.request_id as string)).toMatchObject({
      status: 'failed',
      error_code: 'dead_lettered',
      lease_owner: null,
    });
    expect((await row(payload.request_id as string))?.error_message).toMatch(
      /last delivery attempt \(5 of 5\) ended in retry/,
    );
  });

  it('the last attempt without deliveryAttempt uses the attempt count (bug outcome)', async () => {
    const ta = await buildTestApp(t.db, {
      pipeline: async () => {
        throw new Error('boom');
      },
    });
    const payload = contentRequest();
    for (let i = 1; i <= 4; i++)
      expect((await push(ta, envelope(payload, { messageId: 'm' }))).status).toBe(500);
    expect(await row(payload.request_id as string)).toMatchObject({ status: 'validating' });
    expect((await push(ta, envelope(payload, { messageId: 'm' }))).status).toBe(500);
    expect(await row(payload.request_id as string)).toMatchObject({
      status: 'failed',
      error_code: 'dead_lettered',
      attempt_count: 5,
    });
  });

  it('a poison payload with a valid request_id marks that request dead_lettered on its last attempt', async () => {
    const ta = await buildTestApp(t.db);
    const good = contentRequest();
    await t.db
      .insertInto('content_requests')
      .values({
        id: good.request_id as string,
        student_id: 's',
        student_query: 'q',
        grade_level: 3,
      })
      .execute();
    const poison = { ...good, grade_level: 'seven' };
    for (let i = 1; i <= 4; i++) expect((await push(ta, envelope(poison))).status).toBe(422);
    expect(await row(good.request_id as string)).toMatchObject({
      status: 'pending',
      attempt_count: 4,
    });
    expect(await push(ta, envelope(poison))).toMatchObject({
      status: 422,
      body: { outcome: 'invalid_payload' },
    });
    expect(await row(good.request_id as string)).toMatchObject({
      status: 'failed',
      error_code: 'dead_lettered',
    });
  });

  it('a lease left by a killed process is taken over after it lapses, through the endpoint', async () => {
    const ta = await buildTestApp(t.db, { env: { LEASE_SECONDS: '2' } });
    const payload = contentRequest();
    const id = payload.request_id as string;
    await t.db
      .insertInto('content_requests')
      .values({ id, student_id: 's', student_query: 'q', grade_level: 3 })
      .execute();
    // The killed process's claim: leased to another message, never renewed.
    await sql`update content_requests set lease_owner = 'dead-message', lease_expires_at = now() + interval '1 second', lease_generation = 1, attempt_count = 1 where id = ${id}`.execute(
      t.db,
    );
    expect((await push(ta, envelope(payload, { messageId: 'publisher-dup' }))).status).toBe(409);
    await new Promise((r) => setTimeout(r, 1100));
    expect(await push(ta, envelope(payload, { messageId: 'publisher-dup' }))).toMatchObject({
      status: 200,
      body: { outcome: 'completed' },
    });
    // The redelivery of the killed holder's own message would not even have waited.
  });

  it("a redelivery of the holder's own message takes the lease over at once", async () => {
    const ta = await buildTestApp(t.db);
    const payload = contentRequest();
    const id = payload.request_id as string;
    await t.db
      .insertInto('content_requests')
      .values({ id, student_id: 's', student_query: 'q', grade_level: 3 })
      .execute();
    await sql`update content_requests set lease_owner = 'm-killed', lease_expires_at = now() + interval '30 seconds', lease_generation = 1, attempt_count = 1 where id = ${id}`.execute(
      t.db,
    );
    expect(await push(ta, envelope(payload, { messageId: 'm-killed' }))).toMatchObject({
      status: 200,
      body: { outcome: 'completed' },
    });
    expect(await row(id)).toMatchObject({ attempt_count: 2, lease_generation: 2 });
  });

  it('a run that loses its lease mid-way is aborted and cannot overwrite its successor', async () => {
    let sawAbort = false;
    const slow: Pipeline = async ({ signal, checkpoints }) => {
      await checkpoints.progress({ status: 'generating', stage: 'understand', percentage: 5 });
      await new Promise<void>((resolve) =>
        signal.addEventListener('abort', () => resolve(), { once: true }),
      );
      sawAbort = true;
      throw signal.reason;
    };
    const ta = await buildTestApp(t.db, { pipeline: slow, env: { LEASE_SECONDS: '2' } });
    const payload = contentRequest();
    const id = payload.request_id as string;
    const first = push(ta, envelope(payload, { messageId: 'orig' }));
    await new Promise((r) => setTimeout(r, 200));
    // A successor takes over (as a redelivery of the same message would) and finishes.
    await sql`update content_requests set lease_generation = lease_generation + 1, status = 'completed', lease_owner = null where id = ${id}`.execute(
      t.db,
    );
    const res = await first;
    expect(sawAbort).toBe(true);
    expect(res).toMatchObject({ status: 409, body: { outcome: 'in_progress_elsewhere' } });
    expect(await row(id)).toMatchObject({ status: 'completed' });
  });

  it('after the shutdown grace period in-flight runs are aborted and nack with 503', async () => {
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    const slow: Pipeline = ({ signal }) =>
      new Promise((_, reject) => {
        signal.addEventListener('abort', () => reject(signal.reason), { once: true });
        started();
      });
    const ta = await buildTestApp(t.db, { pipeline: slow });
    const payload = contentRequest();
    const pending = push(ta, envelope(payload));
    // Abort once the run is under way (a fixed wait raced the claim on a loaded machine).
    await running;
    ta.shutdown.abort(new Error('service shutting down'));
    expect(await pending).toMatchObject({ status: 503, body: { outcome: 'retry' } });
    // Not released: the lease lapses, and the redelivery of the same message takes it over at once anyway.
    expect(await row(payload.request_id as string)).toMatchObject({
      status: 'validating',
      error_code: null,
    });
  });
});
