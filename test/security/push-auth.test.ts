import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { contentRequest, envelope } from '../support/envelope.js';
import { newSigner, signToken, startCertsServer } from '../support/oidc.js';

const AUDIENCE = 'https://content-worker-abc-uc.a.run.app/pubsub/push';
const PUSHER = 'pubsub-push@proj.iam.gserviceaccount.com';
const OPERATOR = 'operator@proj.iam.gserviceaccount.com';
const google = newSigner('google-key-1');
const stranger = newSigner('google-key-1'); // same kid, other key: a forged signature

let t: TestDatabase;
let certs: { url: string; close(): Promise<void> };
let ta: TestApp;
beforeAll(async () => {
  t = await createTestDatabase();
  certs = await startCertsServer([google]);
  ta = await buildTestApp(t.db, {
    env: {
      PUSH_AUTH_AUDIENCE: AUDIENCE,
      PUSH_AUTH_SERVICE_ACCOUNT: `${PUSHER}, other@proj.iam.gserviceaccount.com`,
      PUSH_AUTH_CERTS_URL: certs.url,
      REQUESTS_API_SERVICE_ACCOUNTS: OPERATOR,
    },
  });
});
afterAll(async () => {
  await certs.close();
  await t.close();
});

const valid = (claims: Record<string, unknown> = {}) =>
  signToken(google, { aud: AUDIENCE, email: PUSHER, email_verified: true, ...claims });

async function push(authorization?: string) {
  const payload = contentRequest();
  const res = await ta.app.inject({
    method: 'POST',
    url: '/pubsub/push',
    payload: envelope(payload),
    headers: authorization ? { authorization } : {},
  });
  return {
    status: res.statusCode,
    body: res.json() as Record<string, unknown>,
    raw: res.body,
    id: payload.request_id as string,
  };
}

describe('push authentication (OIDC)', () => {
  it('accepts a valid Google-signed token for the push account', async () => {
    expect(await push(`Bearer ${valid()}`)).toMatchObject({
      status: 200,
      body: { outcome: 'completed' },
    });
  });

  it.each([
    ['no token', undefined],
    ['not a bearer token', 'Basic dXNlcjpwYXNz'],
    ['garbage', 'Bearer not.a.jwt!'],
    [
      'bad signature',
      `Bearer ${signToken(stranger, { aud: AUDIENCE, email: PUSHER, email_verified: true })}`,
    ],
    [
      'unknown key id',
      `Bearer ${signToken(google, { aud: AUDIENCE, email: PUSHER, email_verified: true }, { kid: 'rotated-away' })}`,
    ],
    [
      'expired',
      `Bearer ${valid({ iat: Math.floor(Date.now() / 1000) - 7200, exp: Math.floor(Date.now() / 1000) - 3600 })}`,
    ],
    ['wrong audience', `Bearer ${valid({ aud: 'https://someone-else.example/push' })}`],
    ['wrong issuer', `Bearer ${valid({ iss: 'https://evil.example' })}`],
    ['unverified email', `Bearer ${valid({ email_verified: false })}`],
    ['no email', `Bearer ${valid({ email: undefined })}`],
  ])('401 unauthenticated: %s, before any work', async (_name, authorization) => {
    const res = await push(authorization);
    expect(res).toMatchObject({ status: 401, body: { outcome: 'unauthenticated' } });
    expect(
      await t.db
        .selectFrom('content_requests')
        .select('id')
        .where('id', '=', res.id)
        .executeTakeFirst(),
    ).toBeUndefined();
  });

  it('403 forbidden for a valid token of another account', async () => {
    expect(
      await push(`Bearer ${valid({ email: 'intruder@proj.iam.gserviceaccount.com' })}`),
    ).toMatchObject({ status: 403, body: { outcome: 'forbidden' } });
  });

  it('never puts token contents in the response or the logs', async () => {
    const token = valid({ email: 'secret-mailbox@proj.iam.gserviceaccount.com' });
    const res = await push(`Bearer ${token}`);
    expect(res.status).toBe(403);
    const everything = res.raw + ta.rawLogs.join('\n');
    expect(everything).not.toContain(token.split('.')[1]!);
    expect(everything).not.toContain('secret-mailbox');
  });

  it('GET /v1/requests/{id} takes its own allowed accounts', async () => {
    const done = await push(`Bearer ${valid()}`);
    const get = (authorization?: string) =>
      ta.app.inject({
        method: 'GET',
        url: `/v1/requests/${done.id}`,
        headers: authorization ? { authorization } : {},
      });
    expect((await get()).statusCode).toBe(401);
    expect((await get(`Bearer ${valid()}`)).statusCode).toBe(403);
    const ok = await get(`Bearer ${valid({ email: OPERATOR })}`);
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ id: done.id, status: 'completed' });
  });

  it('health routes need no token', async () => {
    expect((await ta.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
    expect((await ta.app.inject({ method: 'GET', url: '/health/ready' })).statusCode).toBe(200);
  });

  it('503 (retry), not 401, when the signing certificates cannot be fetched', async () => {
    const offline = await buildTestApp(t.db, {
      env: {
        PUSH_AUTH_AUDIENCE: AUDIENCE,
        PUSH_AUTH_SERVICE_ACCOUNT: PUSHER,
        PUSH_AUTH_CERTS_URL: 'http://127.0.0.1:1/certs',
      },
    });
    const res = await offline.app.inject({
      method: 'POST',
      url: '/pubsub/push',
      payload: envelope(contentRequest()),
      headers: { authorization: `Bearer ${valid()}` },
    });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ outcome: 'retry' });
  });
});
