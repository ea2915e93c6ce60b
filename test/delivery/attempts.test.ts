import { describe, expect, it } from 'vitest';
import { effectiveAttempt, shouldMarkDeadLettered } from '../../src/delivery/attempts.js';

describe('delivery attempts', () => {
  it("prefers the envelope's deliveryAttempt, else the request's own count", () => {
    expect(effectiveAttempt(3, 7)).toBe(3);
    expect(effectiveAttempt(undefined, 7)).toBe(7);
    expect(effectiveAttempt(undefined, undefined)).toBeUndefined();
  });

  it('marks dead-lettered only a nack on the last attempt', () => {
    expect(shouldMarkDeadLettered('retry', 5, 5)).toBe(true);
    expect(shouldMarkDeadLettered('bug', 6, 5)).toBe(true);
    expect(shouldMarkDeadLettered('invalid_payload', 5, 5)).toBe(true);
    expect(shouldMarkDeadLettered('retry', 4, 5)).toBe(false);
    expect(shouldMarkDeadLettered('retry', undefined, 5)).toBe(false);
  });

  it('never marks an ack or a request another delivery holds', () => {
    expect(shouldMarkDeadLettered('completed', 5, 5)).toBe(false);
    expect(shouldMarkDeadLettered('failed_permanently', 9, 5)).toBe(false);
    expect(shouldMarkDeadLettered('in_progress_elsewhere', 5, 5)).toBe(false);
  });
});
