import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { preparedQuery } from '../../src/db/prepared-query.js';
import { terminalStatus, upsertRequest } from '../../src/db/requests.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

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
      (db: Database, id: string) =>
        db.selectFrom('content_requests').select('student_id').where('id', '=', id),
      ['00000000-0000-0000-0000-000000000000'],
    );
    expect(await studentOf(t.db, ids[1]!)).toEqual([{ student_id: 'student-1' }]);
    expect(await studentOf(t.db, ids[0]!)).toEqual([{ student_id: 'student-0' }]);
    expect(await studentOf(t.db, randomUUID())).toEqual([]);
    // The hot duplicate lookup is one of these: a pending request is not terminal.
    expect(await terminalStatus(t.db, ids[0]!)).toBeUndefined();
  });

  it('refuses a builder that does not bind exactly the sample parameters, in order', async () => {
    const swapped = preparedQuery(
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
