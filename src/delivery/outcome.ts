/**
 * The delivery decision's vocabulary: every path through the push handler ends
 * in one Outcome, and this one table maps it to the HTTP status that acks (2xx)
 * or nacks (anything else) the Pub/Sub delivery.
 */
import type { DeliveryResult, Outcome, RequestStatus } from '../contract/types.js';

export const HTTP_STATUS: Readonly<Record<Outcome, number>> = {
  completed: 200,
  duplicate: 200,
  clarification_needed: 200,
  failed_permanently: 200,
  invalid_envelope: 400,
  invalid_payload: 422,
  unauthenticated: 401,
  forbidden: 403,
  in_progress_elsewhere: 409,
  retry: 503,
  bug: 500,
};

export interface Decision {
  outcome: Outcome;
  requestId?: string;
  status?: RequestStatus;
  /** Safe for logs and callers: never a student's text or a token. */
  detail?: string;
}

export function httpStatus(outcome: Outcome): number {
  return HTTP_STATUS[outcome];
}

export function acks(outcome: Outcome): boolean {
  const status = HTTP_STATUS[outcome];
  return status >= 200 && status < 300;
}

export function toResponseBody(decision: Decision): DeliveryResult {
  const body: DeliveryResult = { outcome: decision.outcome };
  if (decision.requestId !== undefined) body.request_id = decision.requestId;
  if (decision.status !== undefined) body.status = decision.status;
  if (decision.detail !== undefined) body.detail = decision.detail;
  return body;
}
