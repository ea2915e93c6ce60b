import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finishedLookup } from '../../src/db/finished-lookup.js';
import { upsertRequest } from '../../src/db/requests.js';
import type { RequestStatus } from '../../src/db/schema.gen.js';
import {
  createTestDatabase,
  openHandle,
  unreachableDatabase,
  type TestDatabase,
} from '../support/database.js';
import { watchQueries } from '../support/watch-queries.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t.close());

async function requestIn(status: RequestStatus): Promise<string> {
  const id = randomUUID();
  await upsertRequest(t.db, {
    request_id: id,
    student_id: 's',
    student_query: 'Why is the sky blue?',
    grade_level: 5,
    modality: 'text',
    language: 'en-US',
  });
  await sql`update content_requests set status = ${status}::request_status where id = ${id}`.execute(
    t.db,
  );
  return id;
}

describe('the duplicate path’s lookup', () => {
  it('answers each delivery with its own request’s status, finished or not', async () => {
    const finished = finishedLookup(t.db);
    const completed = await requestIn('completed');
    const failed = await requestIn('failed');
    const clarification = await requestIn('clarification_needed');
    const running = await requestIn('generating');
    const answers = await Promise.all(
      [completed, running, failed, randomUUID(), clarification, completed].map(finished),
    );
    expect(answers).toEqual([
      'completed',
      undefined,
      'failed',
      undefined,
      'clarification_needed',
      'completed',
    ]);
  });

  it('shares one query among the lookups of a turn; a later turn asks again (nothing is cached)', async () => {
    const handle = openHandle(t.url);
    const statements: string[] = [];
    watchQueries(handle.pool, (text) => statements.push(text));
    try {
      const finished = finishedLookup(handle.db);
      const id = await requestIn('generating');
      const ids = [id, ...Array.from({ length: 9 }, () => randomUUID())];
      expect(await Promise.all(ids.map(finished))).toEqual(ids.map(() => undefined));
      expect(statements.filter((s) => s.includes('content_requests'))).toHaveLength(1);

      // Deliveries arrive in separate callbacks (one per socket) of the same turn: they join too.
      const fromCallbacks = await Promise.all(
        ids
          .slice(0, 3)
          .map((one) => new Promise((resolve) => setImmediate(() => resolve(finished(one))))),
      );
      expect(fromCallbacks).toEqual([undefined, undefined, undefined]);
      expect(statements.filter((s) => s.includes('content_requests'))).toHaveLength(2);

      await sql`update content_requests set status = 'completed' where id = ${id}`.execute(t.db);
      expect(await finished(id)).toBe('completed');
      expect(statements.filter((s) => s.includes('content_requests'))).toHaveLength(3);
    } finally {
      await handle.close();
    }
  });

  it('fails every lookup of the batch when the database does (each delivery then nacks)', async () => {
    const dead = unreachableDatabase();
    try {
      const finished = finishedLookup(dead.db);
      const results = await Promise.allSettled([finished(randomUUID()), finished(randomUUID())]);
      expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    } finally {
      await dead.close();
    }
  });
});
