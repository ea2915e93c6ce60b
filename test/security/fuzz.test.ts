/** Property-based: thousands of generated and mutated deliveries never yield a 5xx or an unhandled rejection. */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { contentRequest, envelope } from '../support/envelope.js';

let t: TestDatabase;
let ta: TestApp;
const rejections: unknown[] = [];
const onRejection = (reason: unknown) => rejections.push(reason);
beforeAll(async () => {
  t = await createTestDatabase();
  ta = await buildTestApp(t.db);
  process.on('unhandledRejection', onRejection);
});
afterAll(async () => {
  process.off('unhandledRejection', onRejection);
  await t.close();
});

const uuid = fc.uuid({ version: [1, 2, 3, 4, 5, 6, 7, 8] });
/** A field of a ContentRequest: a legal value, or any JSON at all, or missing. */
const field = <T>(legal: fc.Arbitrary<T>) =>
  fc.oneof(
    { weight: 12, arbitrary: legal },
    { weight: 1, arbitrary: fc.jsonValue() },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
const payload = fc.record({
  request_id: field(
    fc.oneof(
      { weight: 4, arbitrary: uuid },
      { weight: 1, arbitrary: uuid.map((u) => u.toUpperCase()) },
      { weight: 1, arbitrary: fc.string() },
    ),
  ),
  student_id: field(fc.string({ minLength: 1, maxLength: 140 })),
  student_query: field(
    fc.oneof(
      { weight: 4, arbitrary: fc.string({ minLength: 1, maxLength: 50 }).map((q) => `why ${q}`) },
      { weight: 1, arbitrary: fc.string({ maxLength: 50, unit: 'binary' }) },
      { weight: 1, arbitrary: fc.constant('why\u0000') },
    ),
  ),
  grade_level: field(fc.integer({ min: -1, max: 13 })),
  interest: field(fc.string({ maxLength: 110 })),
  modality: field(fc.constantFrom('text', 'video', 'text', 'audio')),
  language: field(fc.constantFrom('en-US', 'fr', 'en-GB', 'xx-')),
  correlation_id: field(fc.string()),
});
const data = fc.oneof(
  { weight: 4, arbitrary: payload.map((p) => Buffer.from(JSON.stringify(p)).toString('base64')) },
  {
    weight: 1,
    arbitrary: fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v) ?? '').toString('base64')),
  },
  { weight: 1, arbitrary: fc.string() },
  {
    weight: 1,
    arbitrary: fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b).toString('base64')),
  },
);
const pushEnvelope = fc.record({
  message: fc.record({
    data,
    messageId: fc.oneof(
      { weight: 6, arbitrary: fc.string({ minLength: 1, maxLength: 20 }) },
      { weight: 1, arbitrary: fc.jsonValue() },
    ),
    attributes: fc.option(
      fc.dictionary(
        fc.string(),
        fc.oneof({ weight: 6, arbitrary: fc.string() }, { weight: 1, arbitrary: fc.jsonValue() }),
      ),
      { nil: undefined },
    ),
  }),
  subscription: fc.oneof(
    { weight: 6, arbitrary: fc.constant('projects/p/subscriptions/s') },
    { weight: 1, arbitrary: fc.jsonValue() },
  ),
  deliveryAttempt: fc.option(
    fc.oneof(
      { weight: 6, arbitrary: fc.integer({ min: -1, max: 9 }) },
      { weight: 1, arbitrary: fc.jsonValue() },
    ),
    { nil: undefined },
  ),
});

const seen = new Map<number, number>();
async function status(body: string): Promise<number> {
  const res = await ta.app.inject({
    method: 'POST',
    url: '/pubsub/push',
    payload: body,
    headers: { 'content-type': 'application/json' },
  });
  seen.set(res.statusCode, (seen.get(res.statusCode) ?? 0) + 1);
  return res.statusCode;
}

describe('fuzzing the push endpoint', () => {
  it('generated envelopes are answered 2xx or 4xx, never 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(pushEnvelope, async (env) => {
        const code = await status(JSON.stringify(env));
        expect(
          code === 200 || (code >= 400 && code < 500),
          `status ${code} for ${JSON.stringify(env).slice(0, 300)}`,
        ).toBe(true);
      }),
      { numRuns: 1500 },
    );
    // Not vacuous: the generator reaches acks, envelope refusals and payload refusals alike.
    expect(seen.get(200) ?? 0).toBeGreaterThan(20);
    expect(seen.get(400) ?? 0).toBeGreaterThan(20);
    expect(seen.get(422) ?? 0).toBeGreaterThan(20);
  }, 300_000);

  it('arbitrary JSON bodies and mutated bytes of a valid envelope are never a 5xx', async () => {
    const valid = JSON.stringify(envelope(contentRequest()));
    const mutated = fc
      .tuple(fc.nat({ max: valid.length - 1 }), fc.nat({ max: 20 }), fc.string({ maxLength: 8 }))
      .map(([at, cut, insert]) => valid.slice(0, at) + insert + valid.slice(at + cut));
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.jsonValue().map((v) => JSON.stringify(v) ?? 'null'),
          mutated,
        ),
        async (body) => {
          const code = await status(body);
          expect(code < 500, `status ${code} for ${body.slice(0, 300)}`).toBe(true);
        },
      ),
      { numRuns: 1500 },
    );
  }, 300_000);

  it('leaves no unhandled rejection behind, and a valid request still completes afterwards', async () => {
    await new Promise((r) => setTimeout(r, 100));
    expect(rejections).toEqual([]);
    const res = await ta.app.inject({
      method: 'POST',
      url: '/pubsub/push',
      payload: envelope(contentRequest()),
    });
    expect(res.json()).toMatchObject({ outcome: 'completed' });
  });
});
