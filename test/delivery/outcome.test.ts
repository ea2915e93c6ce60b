import { describe, expect, it } from 'vitest';
import { acks, httpStatus, toResponseBody } from '../../src/delivery/outcome.js';
import type { Outcome } from '../../src/contract/types.js';
import { loadContract } from '../../src/contract/openapi.js';

// DESIGN.md's table, row by row.
const TABLE: [Outcome, number, boolean][] = [
  ['completed', 200, true],
  ['duplicate', 200, true],
  ['clarification_needed', 200, true],
  ['failed_permanently', 200, true],
  ['invalid_envelope', 400, false],
  ['invalid_payload', 422, false],
  ['unauthenticated', 401, false],
  ['forbidden', 403, false],
  ['in_progress_elsewhere', 409, false],
  ['retry', 503, false],
  ['bug', 500, false],
];

describe('the outcome table', () => {
  it.each(TABLE)('%s → HTTP %i (ack: %s)', (outcome, status, ack) => {
    expect(httpStatus(outcome)).toBe(status);
    expect(acks(outcome)).toBe(ack);
  });

  it('covers exactly the outcomes the contract declares', () => {
    const declared = loadContract().components.schemas.Outcome?.enum as string[];
    expect(TABLE.map(([o]) => o).sort()).toEqual([...declared].sort());
  });

  it('builds the body with only the fields it has', () => {
    expect(toResponseBody({ outcome: 'retry' })).toEqual({ outcome: 'retry' });
    expect(
      toResponseBody({ outcome: 'duplicate', requestId: 'r', status: 'completed', detail: 'd' }),
    ).toEqual({
      outcome: 'duplicate',
      request_id: 'r',
      status: 'completed',
      detail: 'd',
    });
  });
});
