import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pipeline } from '../../src/pipeline/pipeline.js';
import { buildTestApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { contentRequest, envelope } from '../support/envelope.js';
import { placeholderPipeline } from '../support/placeholder-pipeline.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t.close());

function nested(depth: number): string {
  return '['.repeat(depth) + ']'.repeat(depth);
}

describe('hostile input', () => {
  it('a __proto__ key in the envelope body is refused (400), not merged', async () => {
    const ta = await buildTestApp(t.db);
    const body = `{"message":{"data":"e30=","messageId":"1"},"subscription":"s","__proto__":{"polluted":true}}`;
    const res = await ta.app.inject({
      method: 'POST',
      url: '/pubsub/push',
      payload: body,
      headers: { 'content-type': 'application/json' },
    });
    expect(res.statusCode).toBe(400);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('__proto__ and constructor keys inside the message data pollute nothing; the request still completes', async () => {
    const ta = await buildTestApp(t.db);
    const payload = contentRequest();
    const data =
      JSON.stringify(payload).slice(0, -1) +
      ',"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}';
    const res = await ta.app.inject({
      method: 'POST',
      url: '/pubsub/push',
      payload: envelope(data),
    });
    expect(res.json()).toMatchObject({ outcome: 'completed' });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('deep nesting is refused without a stack overflow, in the body and in the data', async () => {
    const ta = await buildTestApp(t.db);
    const deepBody = `{"message":{"data":"e30=","messageId":"1","x":${nested(200_000)}},"subscription":"s"}`;
    const res = await ta.app.inject({
      method: 'POST',
      url: '/pubsub/push',
      payload: deepBody,
      headers: { 'content-type': 'application/json' },
    });
    expect(res.statusCode).toBeGreaterThanOrEqual(400);
    expect(res.statusCode).toBeLessThan(500);
    const deepData = JSON.stringify(contentRequest()).slice(0, -1) + `,"extra":${nested(200_000)}}`;
    const inData = await ta.app.inject({
      method: 'POST',
      url: '/pubsub/push',
      payload: envelope(deepData),
    });
    expect(inData.statusCode).toBeLessThan(500);
    expect((await ta.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
  });

  it('errors returned to callers carry a code and a message, never a stack', async () => {
    const ta = await buildTestApp(t.db, {
      pipeline: async () => {
        throw new Error('internal detail at /srv/app/secret.ts:12');
      },
    });
    const res = await ta.app.inject({
      method: 'POST',
      url: '/pubsub/push',
      payload: envelope(contentRequest()),
    });
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toMatch(/secret\.ts|\n\s+at /);
    expect(res.json()).toEqual({
      outcome: 'bug',
      request_id: expect.any(String),
      detail: 'unexpected error (see logs)',
    });
  });
});

describe('load shedding', () => {
  it('over MAX_CONCURRENT_DELIVERIES a push is refused at once with 503, while health keeps answering 200', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow: Pipeline = async (run) => {
      await gate;
      return placeholderPipeline(run);
    };
    const ta = await buildTestApp(t.db, {
      pipeline: slow,
      env: { MAX_CONCURRENT_DELIVERIES: '3' },
    });
    await ta.app.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(ta.app.server.address() as AddressInfo).port}`;
    const post = () =>
      fetch(`${base}/pubsub/push`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(envelope(contentRequest())),
      });

    const held = [post(), post(), post()];
    await new Promise((r) => setTimeout(r, 300));
    const started = performance.now();
    const burst = await Promise.all(Array.from({ length: 10 }, post));
    const elapsed = performance.now() - started;
    expect(burst.map((r) => r.status)).toEqual(Array(10).fill(503));
    expect(await burst[0]!.json()).toMatchObject({
      outcome: 'retry',
      detail: 'over capacity: 3 deliveries already in flight',
    });
    expect(elapsed).toBeLessThan(1000);
    const health = await Promise.all([fetch(`${base}/health`), fetch(`${base}/health/ready`)]);
    expect(health.map((r) => r.status)).toEqual([200, 200]);

    release();
    expect((await Promise.all(held)).map((r) => r.status)).toEqual([200, 200, 200]);
    // Capacity is given back once responses are sent.
    expect((await post()).status).toBe(200);
    await ta.app.close();
  });

  it('under event-loop pressure pushes are shed with 503 while health answers 200', async () => {
    const ta = await buildTestApp(t.db, { env: { MAX_EVENT_LOOP_DELAY_MS: '50' } });
    const block = (ms: number) => {
      const until = Date.now() + ms;
      while (Date.now() < until) {
        // busy: the event loop is stuck
      }
    };
    let shed = 0;
    // The plugin samples the mean loop delay every 200 ms: a long stall pushes it over 50 ms for the next sample.
    for (let i = 0; i < 5 && shed === 0; i++) {
      await new Promise((r) => setTimeout(r, 250));
      block(1500);
      await new Promise((r) => setTimeout(r, 20));
      const res = await ta.app.inject({
        method: 'POST',
        url: '/pubsub/push',
        payload: envelope(contentRequest()),
      });
      if (res.statusCode === 503) {
        shed++;
        expect(res.json()).toMatchObject({ outcome: 'retry' });
        expect((await ta.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
        expect((await ta.app.inject({ method: 'GET', url: '/health/ready' })).statusCode).toBe(200);
      }
    }
    expect(shed).toBe(1);
    // Once the loop is calm again, pushes go through.
    await new Promise((r) => setTimeout(r, 600));
    expect(
      (
        await ta.app.inject({
          method: 'POST',
          url: '/pubsub/push',
          payload: envelope(contentRequest()),
        })
      ).statusCode,
    ).toBe(200);
    await ta.app.close();
  });
});
