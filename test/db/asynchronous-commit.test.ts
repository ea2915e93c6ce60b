import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/db/database.js';
import { buildTestApp } from '../support/app.js';
import { createTestDatabase, openHandle, type TestDatabase } from '../support/database.js';
import { contentRequest, envelope } from '../support/envelope.js';
import { buildLessonPipeline, loadStarterCorpus } from '../support/lesson-pipeline.js';
import { watchQueries } from '../support/watch-queries.js';

let t: TestDatabase;
let asyncCommit: DatabaseHandle;
const statements: string[] = [];
beforeAll(async () => {
  t = await createTestDatabase();
  await loadStarterCorpus(t.db);
  asyncCommit = openHandle(t.url, { poolMax: 4, asynchronousCommit: true });
  watchQueries(asyncCommit.pool, (text) => statements.push(text));
});
afterAll(async () => {
  await asyncCommit.close();
  await t.close();
});

const setting = async (db: DatabaseHandle['db']) =>
  (await sql<{ synchronous_commit: string }>`show synchronous_commit`.execute(db)).rows[0]
    ?.synchronous_commit;

describe('asynchronous commit for checkpoints, progress and the upsert', () => {
  it('the pool asked for it commits without waiting for the WAL flush; the main pool waits', async () => {
    expect(await setting(asyncCommit.db)).toBe('off');
    expect(await setting(t.db)).toBe('on');
  });

  it('a delivery writes checkpoints, progress and the upsert there, and its claim and final state on the main pool', async () => {
    statements.length = 0;
    const lp = buildLessonPipeline(t.db);
    const ta = await buildTestApp(t.db, { pipeline: lp.pipeline, asyncCommitDb: asyncCommit.db });
    const payload = contentRequest();
    const res = await ta.app.inject({
      method: 'POST',
      url: '/pubsub/push',
      payload: envelope(payload),
    });
    expect(res.json()).toMatchObject({ outcome: 'completed' });

    const on = (pattern: RegExp) => statements.filter((s) => pattern.test(s)).length;
    expect(on(/^insert into "content_requests"/)).toBe(1); // the upsert
    expect(on(/^insert into "stage_runs"/)).toBe(4); // understand, retrieve, script, publish started
    expect(on(/^update "stage_runs"/)).toBe(4); // ... and finished
    expect(on(/^update "content_requests" set "status" = \$1, "progress_percentage"/)).toBe(4);
    // The claim (attempt_count + 1) and the final write (its result) never commit asynchronously.
    expect(on(/"attempt_count" = "attempt_count" \+/)).toBe(0);
    expect(on(/"result" =/)).toBe(0);
    const row = await t.db
      .selectFrom('content_requests')
      .select(['status', 'attempt_count'])
      .where('id', '=', payload.request_id as string)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'completed', attempt_count: 1 });
  });
});
