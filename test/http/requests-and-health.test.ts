import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp } from '../support/app.js';
import {
  createEmptyDatabase,
  createTestDatabase,
  openHandle,
  unreachableDatabase,
  type TestDatabase,
} from '../support/database.js';
import { contentRequest, envelope } from '../support/envelope.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t.close());

describe('GET /v1/requests/{id}', () => {
  it('shows status, progress, stage timings, result and error', async () => {
    const ta = await buildTestApp(t.db);
    const payload = contentRequest({ correlation_id: 'c-9' });
    await ta.app.inject({ method: 'POST', url: '/pubsub/push', payload: envelope(payload) });
    const res = await ta.app.inject({
      method: 'GET',
      url: `/v1/requests/${(payload.request_id as string).toUpperCase()}`,
    });
    expect(res.statusCode).toBe(200);
    const view = res.json();
    expect(view).toMatchObject({
      id: payload.request_id,
      status: 'completed',
      progress_percentage: 100,
      current_stage: null,
      attempt_count: 1,
      modality: 'text',
      correlation_id: 'c-9',
      result: { placeholder: true },
      error: null,
    });
    expect(view.stages).toHaveLength(1);
    expect(view.stages[0]).toMatchObject({ stage: 'placeholder', status: 'completed' });
    expect(typeof view.stages[0].duration_ms).toBe('number');
    expect(Date.parse(view.completed_at)).not.toBeNaN();
    expect(view).not.toHaveProperty('student_query');
  });

  it('404 for an unknown request, 400 for an id that is not a UUID', async () => {
    const ta = await buildTestApp(t.db);
    const missing = await ta.app.inject({ method: 'GET', url: `/v1/requests/${randomUUID()}` });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ error: 'not_found' });
    const bad = await ta.app.inject({ method: 'GET', url: '/v1/requests/not-a-uuid' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: 'invalid_request' });
  });

  it('503 when the database is unavailable', async () => {
    const dead = unreachableDatabase();
    const ta = await buildTestApp(dead.db);
    const res = await ta.app.inject({ method: 'GET', url: `/v1/requests/${randomUUID()}` });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ error: 'database_unavailable' });
    await dead.close();
  });

  it('answers an unknown route with a 404 body a person can read', async () => {
    const ta = await buildTestApp(t.db);
    const res = await ta.app.inject({ method: 'GET', url: '/nope' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ error: 'route_not_found' });
  });
});

describe('health', () => {
  it('/health answers without touching the database', async () => {
    const dead = unreachableDatabase();
    const ta = await buildTestApp(dead.db);
    const res = await ta.app.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
    await dead.close();
  });

  it('/health/ready is 200 with the database up and migrations current', async () => {
    const ta = await buildTestApp(t.db);
    const res = await ta.app.inject({ method: 'GET', url: '/health/ready' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      status: 'ready',
      checks: { database: 'ok', migrations: 'current' },
    });
  });

  it('/health/ready is 503 when the database is unreachable', async () => {
    const dead = unreachableDatabase();
    const ta = await buildTestApp(dead.db);
    const res = await ta.app.inject({ method: 'GET', url: '/health/ready' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ status: 'not_ready', checks: { database: 'unreachable' } });
    await dead.close();
  });

  it('/health/ready is 503 within the timeout when the database hangs', async () => {
    // A listener that accepts and never answers: the Postgres handshake hangs.
    const { createServer } = await import('node:net');
    const sockets: import('node:net').Socket[] = [];
    const server = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    const hung = openHandle(`postgres://x:y@127.0.0.1:${port}/none`, {
      poolMax: 1,
      connectionTimeoutMs: 10_000,
    });
    const ta = await buildTestApp(hung.db, { env: { READINESS_TIMEOUT_MS: '300' } });
    const started = Date.now();
    const res = await ta.app.inject({ method: 'GET', url: '/health/ready' });
    expect(res.statusCode).toBe(503);
    expect(Date.now() - started).toBeLessThan(2_000);
    sockets.forEach((s) => s.destroy());
    server.close();
    await hung.close().catch(() => undefined);
  });

  it('/health/ready is 503 while migrations are pending', async () => {
    const { url } = await createEmptyDatabase();
    const bare = openHandle(url);
    const ta = await buildTestApp(bare.db);
    const res = await ta.app.inject({ method: 'GET', url: '/health/ready' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({
      status: 'not_ready',
      checks: { database: 'ok', migrations: 'pending' },
    });
    await bare.close();
  });
});
