/** Delivery-attempt rules: which attempt this is, and when a nack must mark the request dead-lettered. */
import type { Outcome } from '../contract/types.js';
import { acks } from './outcome.js';

/** Attempts above this are logged as warnings: a poison message in the making. */
export const WARN_ABOVE_ATTEMPT = 3;

/**
 * The envelope's deliveryAttempt when Pub/Sub sent one (only with a dead-letter
 * policy, never from the emulator); else the request's own attempt count.
 */
export function effectiveAttempt(
  fromEnvelope: number | undefined,
  fromRequest: number | undefined,
): number | undefined {
  return fromEnvelope ?? fromRequest;
}

/**
 * A nack on the last attempt sends the message to the dead-letter topic, so the
 * request must be marked failed first or it would wait in `pending` forever.
 * `in_progress_elsewhere` is exempt: that request is alive and its holder owns it.
 */
export function shouldMarkDeadLettered(
  outcome: Outcome,
  attempt: number | undefined,
  maxAttempts: number,
): boolean {
  if (acks(outcome) || outcome === 'in_progress_elsewhere') return false;
  return attempt !== undefined && attempt >= maxAttempts;
}
