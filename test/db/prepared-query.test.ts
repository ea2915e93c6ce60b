import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import type { Database } from '../../src/db/database.js';
import { named } from '../../src/db/named-statements.js';
import { preparedQuery } from '../../src/db/prepared-query.js';
import { finishedLookup } from '../../src/db/finished-lookup.js';
import { upsertRequest } from '../../src/db/requests.js';
import { createTestDatabase, openHandle, type TestDatabase } from '../support/database.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t.close());

describe('a query compiled once and run with fresh parameters', () => {
  it('answers each call with its own parameters, as the builder would', async () => {
    const ids = [randomUUID(), randomUUID()];
    for (const [i, id] of ids.entries())
      await upsertRequest(t.db, {
        request_id: id,
        student_id: `student-${i}`,
        student_query: 'What is a prime number?',
        grade_level: 4,
        modality: 'text',
        language: 'en-US',
      });
    const studentOf = preparedQuery(
      'student_of',
      (db: Database, id: string) =>
        db.selectFrom('content_requests').select('student_id').where('id', '=', id),
      ['00000000-0000-0000-0000-000000000000'],
    );
    expect(await studentOf(t.db, ids[1]!)).toEqual([{ student_id: 'student-1' }]);
    expect(await studentOf(t.db, ids[0]!)).toEqual([{ student_id: 'student-0' }]);
    expect(await studentOf(t.db, randomUUID())).toEqual([]);
    // The hot duplicate lookup is one of these: a pending request is not finished.
    expect(await finishedLookup(t.db)(ids[0]!)).toBeUndefined();
  });

  it('refuses a builder that does not bind exactly the sample parameters, in order', async () => {
    const swapped = preparedQuery(
      'swapped',
      (db: Database, a: string, b: string) =>
        db
          .selectFrom('content_requests')
          .select('id')
          .where('student_id', '=', b)
          .where('id', '=', a),
      ['00000000-0000-0000-0000-000000000000', 'x'],
    );
    await expect(swapped(t.db, randomUUID(), 'y')).rejects.toThrow(/prepared_query_mismatch/);
  });
});

describe('named statements', () => {
  it('sends a prepared query by name: Postgres parses it once per connection, then only binds it', async () => {
    // One connection, so the catalogue read below sees the statements the lookups prepared.
    const one = openHandle(t.url, { poolMax: 1 });
    try {
      const finished = finishedLookup(one.db);
      await finished(randomUUID());
      await finished(randomUUID());
      const prepared = await sql<{
        name: string;
        statement: string;
      }>`select name, statement from pg_prepared_statements`.execute(one.db);
      expect(prepared.rows).toEqual([
        { name: 'finished_statuses', statement: expect.stringContaining('"content_requests"') },
      ]);
    } finally {
      await one.close();
    }
  });

  it('refuses a name Postgres would not take as written', () => {
    expect(() => named('Terminal Status', 'select 1')).toThrow(/statement_name_invalid/);
  });
});
