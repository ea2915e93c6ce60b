import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContentRequest } from '../../src/contract/types.js';
import {
  claimRequest,
  countRefusedDelivery,
  finishRequest,
  LeaseLostError,
  markDeadLettered,
  recordProgress,
  releaseLease,
  renewLease,
  upsertRequest,
} from '../../src/db/requests.js';
import { finishStage, listStageRuns, startStage } from '../../src/db/stage-runs.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t.close());

function request(overrides: Partial<ContentRequest> = {}): ContentRequest {
  return {
    request_id: randomUUID(),
    student_id: 's1',
    student_query: 'What is a prime number?',
    grade_level: 4,
    modality: 'text',
    language: 'en-US',
    ...overrides,
  };
}

async function row(id: string) {
  return t.db
    .selectFrom('content_requests')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
}

describe('request state', () => {
  it('upsert creates the row from the message and never overwrites it', async () => {
    const r = request({ interest: 'chess', correlation_id: 'c-1' });
    await upsertRequest(t.db, r);
    await upsertRequest(t.db, { ...r, student_query: 'changed', grade_level: 9 });
    const stored = await row(r.request_id);
    expect(stored).toMatchObject({
      student_query: 'What is a prime number?',
      grade_level: 4,
      interest: 'chess',
      correlation_id: 'c-1',
      status: 'pending',
      attempt_count: 0,
      modality: 'text',
    });
  });

  it('a claim takes the lease, bumps generation and attempts, and moves pending → validating', async () => {
    const r = request();
    await upsertRequest(t.db, r);
    const claim = await claimRequest(t.db, r.request_id, 'm1', 30);
    expect(claim.kind).toBe('claimed');
    if (claim.kind !== 'claimed') return;
    expect(claim.request).toMatchObject({ generation: 1, attemptCount: 1, status: 'validating' });
    const stored = await row(r.request_id);
    expect(stored.lease_owner).toBe('m1');
    expect(stored.lease_expires_at!.getTime()).toBeGreaterThan(Date.now() + 25_000);
  });

  it('a live lease held by another message refuses the claim; the same message takes it over at once', async () => {
    const r = request();
    await upsertRequest(t.db, r);
    await claimRequest(t.db, r.request_id, 'm1', 30);
    expect(await claimRequest(t.db, r.request_id, 'm2', 30)).toMatchObject({
      kind: 'leased',
      leaseOwner: 'm1',
    });
    const again = await claimRequest(t.db, r.request_id, 'm1', 30);
    expect(again).toMatchObject({ kind: 'claimed', request: { generation: 2, attemptCount: 2 } });
  });

  it('a lease left by a killed process is taken over once it lapses', async () => {
    const r = request();
    await upsertRequest(t.db, r);
    await claimRequest(t.db, r.request_id, 'killed', 1); // its process dies: no heartbeat, no release
    expect((await claimRequest(t.db, r.request_id, 'next', 30)).kind).toBe('leased');
    await new Promise((res) => setTimeout(res, 1100));
    expect(await claimRequest(t.db, r.request_id, 'next', 30)).toMatchObject({
      kind: 'claimed',
      request: { generation: 2 },
    });
  });

  it('a terminal request is never claimed again', async () => {
    const r = request();
    await upsertRequest(t.db, r);
    const claim = await claimRequest(t.db, r.request_id, 'm1', 30);
    if (claim.kind !== 'claimed') throw new Error('not claimed');
    await finishRequest(t.db, r.request_id, claim.request.generation, {
      status: 'completed',
      result: { ok: true },
    });
    expect(await claimRequest(t.db, r.request_id, 'm1', 30)).toMatchObject({
      kind: 'terminal',
      status: 'completed',
    });
    const stored = await row(r.request_id);
    expect(stored).toMatchObject({
      status: 'completed',
      progress_percentage: 100,
      lease_owner: null,
      result: { ok: true },
    });
    expect(stored.completed_at).toBeInstanceOf(Date);
  });

  it('an unknown request is missing', async () => {
    expect(await claimRequest(t.db, randomUUID(), 'm', 30)).toEqual({ kind: 'missing' });
  });

  it('fences every write of a run that lost its lease', async () => {
    const r = request();
    await upsertRequest(t.db, r);
    const first = await claimRequest(t.db, r.request_id, 'm1', 30);
    if (first.kind !== 'claimed') throw new Error('not claimed');
    await startStage(t.db, r.request_id, first.request.generation, 'understand');
    const second = await claimRequest(t.db, r.request_id, 'm1', 30); // the redelivery takes over
    if (second.kind !== 'claimed') throw new Error('not claimed');
    const old = first.request.generation;
    await expect(
      recordProgress(t.db, r.request_id, old, { progressPercentage: 50 }),
    ).rejects.toBeInstanceOf(LeaseLostError);
    await expect(
      finishStage(t.db, r.request_id, old, 'understand', { status: 'completed', output: {} }),
    ).rejects.toBeInstanceOf(LeaseLostError);
    await expect(startStage(t.db, r.request_id, old, 'retrieve')).rejects.toBeInstanceOf(
      LeaseLostError,
    );
    await expect(
      finishRequest(t.db, r.request_id, old, { status: 'completed', result: {} }),
    ).rejects.toBeInstanceOf(LeaseLostError);
    expect(await renewLease(t.db, r.request_id, old, 30)).toBe(false);
    expect(await markDeadLettered(t.db, r.request_id, old, 'x')).toBe(false);
    await releaseLease(t.db, r.request_id, old);
    expect((await row(r.request_id)).lease_owner).toBe('m1');
    // The successor's writes go through.
    await recordProgress(t.db, r.request_id, second.request.generation, {
      status: 'generating',
      progressPercentage: 40,
      currentStage: 'understand',
    });
    expect(await renewLease(t.db, r.request_id, second.request.generation, 30)).toBe(true);
    expect(await row(r.request_id)).toMatchObject({
      status: 'generating',
      progress_percentage: 40,
      current_stage: 'understand',
    });
  });

  it('records stage runs with timings, and a retry of a stage overwrites its row', async () => {
    const r = request();
    await upsertRequest(t.db, r);
    const claim = await claimRequest(t.db, r.request_id, 'm1', 30);
    if (claim.kind !== 'claimed') throw new Error('not claimed');
    const g = claim.request.generation;
    await startStage(t.db, r.request_id, g, 'understand');
    await finishStage(t.db, r.request_id, g, 'understand', { status: 'failed', error: 'timeout' });
    await startStage(t.db, r.request_id, g, 'understand');
    await new Promise((res) => setTimeout(res, 20));
    await finishStage(t.db, r.request_id, g, 'understand', {
      status: 'completed',
      output: { topic: 'primes' },
    });
    const runs = await listStageRuns(t.db, r.request_id);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({
      stage: 'understand',
      status: 'completed',
      output: { topic: 'primes' },
      error: null,
    });
    expect(runs[0]!.duration_ms).toBeGreaterThanOrEqual(15);
  });

  it('released leases let any delivery claim at once', async () => {
    const r = request();
    await upsertRequest(t.db, r);
    const claim = await claimRequest(t.db, r.request_id, 'm1', 30);
    if (claim.kind !== 'claimed') throw new Error('not claimed');
    await releaseLease(t.db, r.request_id, claim.request.generation);
    expect((await claimRequest(t.db, r.request_id, 'm2', 30)).kind).toBe('claimed');
  });

  it('counts refused deliveries and marks dead-lettered only when no live delivery holds the request', async () => {
    const r = request();
    await upsertRequest(t.db, r);
    expect(await countRefusedDelivery(t.db, r.request_id)).toBe(1);
    expect(await countRefusedDelivery(t.db, randomUUID())).toBeUndefined();
    const claim = await claimRequest(t.db, r.request_id, 'live', 30);
    expect(claim.kind).toBe('claimed');
    expect(await markDeadLettered(t.db, r.request_id, undefined, 'poison')).toBe(false);
    await sql`update content_requests set lease_expires_at = now() - interval '1 second' where id = ${r.request_id}`.execute(
      t.db,
    );
    expect(await markDeadLettered(t.db, r.request_id, undefined, 'poison')).toBe(true);
    expect(await row(r.request_id)).toMatchObject({
      status: 'failed',
      error_code: 'dead_lettered',
      error_message: 'poison',
      lease_owner: null,
    });
  });

  it('of many concurrent claims by different messages exactly one wins', async () => {
    const r = request();
    await upsertRequest(t.db, r);
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => claimRequest(t.db, r.request_id, `m${i}`, 30)),
    );
    expect(results.filter((c) => c.kind === 'claimed')).toHaveLength(1);
    expect(results.filter((c) => c.kind === 'leased')).toHaveLength(7);
  });
});
