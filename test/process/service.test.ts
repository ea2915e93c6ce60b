/**
 * The service as a process: built and started the way the README says, the
 * README's sample delivery, configuration refusals, and graceful SIGTERM.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { RequestView } from '../../src/contract/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { freePort } from '../support/free-port.js';
import { startService, type ServiceProcess } from '../support/service-process.js';

const sample = readFileSync(new URL('../../data/sample-push.json', import.meta.url), 'utf8');
const sampleRequest = JSON.parse(
  readFileSync(new URL('../../data/sample-request.json', import.meta.url), 'utf8'),
) as { request_id: string };

let t: TestDatabase;
const running: ServiceProcess[] = [];
const dataDir = mkdtempSync(join(tmpdir(), 'content-worker-process-'));
beforeAll(async () => {
  t = await createTestDatabase({ migrate: false });
}, 120_000);
afterAll(async () => {
  for (const s of running) if (s.proc.exitCode === null) s.proc.kill('SIGKILL');
  await t.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function pushSample(s: ServiceProcess, body = sample) {
  const res = await fetch(s.url('/pubsub/push'), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('the service process', () => {
  it("serves the README's sample delivery: completed, then duplicate; migrates on start", async () => {
    const s = await startService({ env: { DATABASE_URL: t.url, DATA_DIR: dataDir } });
    running.push(s);
    expect(await pushSample(s)).toEqual({
      status: 200,
      body: { outcome: 'completed', request_id: sampleRequest.request_id, status: 'completed' },
    });
    expect(await pushSample(s)).toMatchObject({
      status: 200,
      body: { outcome: 'duplicate', status: 'completed' },
    });
    const view = (await (
      await fetch(s.url(`/v1/requests/${sampleRequest.request_id}`))
    ).json()) as RequestView;
    expect(view).toMatchObject({
      status: 'completed',
      correlation_id: 'readme-sample',
      modality: 'video',
    });
    expect(view.stages.map((st) => st.stage)).toEqual([
      'understand',
      'retrieve',
      'script',
      'narrate',
      'render',
      'publish',
    ]);
    expect((view.result as { artifacts: { video: string } }).artifacts.video).toMatch(
      /^file:\/\/.*\/requests\/5b0e7c1e-8f3a-4d2b-9c61-2f7d1a9e4b10\/lesson\.mp4$/,
    );
    s.proc.kill('SIGTERM');
    expect(await s.exited).toBe(0);
    // Logs are JSON with severity, and never hold the query text.
    const lines = s.stdout.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.every((l) => typeof l.severity === 'string')).toBe(true);
    expect(s.stdout.join('\n')).not.toContain('basketball bounce');
    expect(lines.filter((l) => l.message === 'delivery finished').map((l) => l.outcome)).toEqual([
      'completed',
      'duplicate',
    ]);
  });

  it('SIGTERM lets an in-flight delivery finish, then exits 0', async () => {
    const s = await startService({ env: { DATABASE_URL: t.url, DATA_DIR: dataDir } });
    running.push(s);
    // Hold the request's row so the delivery is in flight when SIGTERM arrives.
    const body = sample
      .replace('1000000000000001', '2000000000000002')
      .replace(
        /"data": "[^"]+"/,
        `"data": "${Buffer.from(JSON.stringify({ ...sampleRequest, request_id: '7c9e6679-7425-40de-944b-e07fc1f90ae7' })).toString('base64')}"`,
      );
    const client = new pg.Client({ connectionString: t.url });
    await client.connect();
    await client.query(
      'insert into content_requests (id, student_id, student_query, grade_level, modality) values ($1, $2, $3, $4, $5)',
      ['7c9e6679-7425-40de-944b-e07fc1f90ae7', 's', 'Why does a ball bounce?', 6, 'text'],
    );
    await client.query('begin');
    await client.query(
      `select 1 from content_requests where id = '7c9e6679-7425-40de-944b-e07fc1f90ae7' for update`,
    );
    const delivery = pushSample(s, body);
    await new Promise((r) => setTimeout(r, 300));
    s.proc.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    expect(s.proc.exitCode).toBeNull(); // still finishing
    await client.query('commit');
    await client.end();
    expect(await delivery).toMatchObject({ status: 200, body: { outcome: 'completed' } });
    const code = await s.exited;
    if (code !== 0) console.log(s.stdout.join('\n'), s.stderr.join('\n'));
    expect(code).toBe(0);
  });

  it('refuses to start on bad configuration, listing every problem', async () => {
    const s = await startService({
      env: { PORT: 'x', MAX_DELIVERY_ATTEMPTS: '-1' },
      waitForReady: false,
    });
    expect(await s.exited).toBe(78);
    const message = s.stderr.join('\n');
    expect(message).toContain('2 problems');
    expect(message).toContain('MAX_DELIVERY_ATTEMPTS');
  });

  it('with GCP_PROJECT_ID and no Google credentials, fails fast with a clear message (contacting nothing)', async () => {
    const started = Date.now();
    const s = await startService({
      env: {
        DATABASE_URL: t.url,
        DATA_DIR: dataDir,
        GCP_PROJECT_ID: 'proj',
        GCS_GENERATED_CONTENT_BUCKET: 'b',
        HOME: dataDir,
      },
      waitForReady: false,
    });
    expect(await s.exited).toBe(1);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(s.stdout.join('\n')).toContain(
      'google_credentials_missing: GCP_PROJECT_ID is set but no Google credentials were found',
    );
  });

  it('refuses to start in production without DATABASE_URL', async () => {
    const s = await startService({ env: { NODE_ENV: 'production' }, waitForReady: false });
    expect(await s.exited).toBe(78);
    expect(s.stderr.join('\n')).toContain('DATABASE_URL is required when NODE_ENV=production');
  });

  it('with no DATABASE_URL, runs embedded Postgres in DATA_DIR and reuses it across restarts', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'content-worker-data-'));
    chmodSync(dataDir, 0o755);
    const env = { DATA_DIR: dataDir, EMBEDDED_POSTGRES_PORT: String(await freePort()) };
    try {
      const first = await startService({ env });
      running.push(first);
      expect((await pushSample(first)).body.outcome).toBe('completed');
      first.proc.kill('SIGTERM');
      expect(await first.exited).toBe(0);

      const second = await startService({ env });
      running.push(second);
      expect((await pushSample(second)).body.outcome).toBe('duplicate');
      // A killed process leaves its cluster running; the next start takes the data directory back.
      second.proc.kill('SIGKILL');
      await second.exited;
      const third = await startService({ env });
      running.push(third);
      expect((await pushSample(third)).body.outcome).toBe('duplicate');
      third.proc.kill('SIGTERM');
      expect(await third.exited).toBe(0);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
