import { randomUUID } from 'node:crypto';
import type { ContentRequest } from '../../src/contract/types.js';

export function contentRequest(
  overrides: Partial<Record<keyof ContentRequest, unknown>> & Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    request_id: randomUUID(),
    student_id: 'student-42',
    student_query: 'Why do objects fall at the same speed?',
    grade_level: 7,
    interest: 'basketball',
    modality: 'text',
    ...overrides,
  };
}

/** A push envelope as Pub/Sub sends it; `data` may be given raw (already base64) to build broken ones. */
export function envelope(
  payload: unknown,
  options: {
    messageId?: string;
    deliveryAttempt?: number;
    rawData?: string;
    attributes?: Record<string, string>;
  } = {},
) {
  const data =
    options.rawData ??
    Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload)).toString('base64');
  return {
    message: {
      data,
      messageId: options.messageId ?? String(Math.floor(Math.random() * 1e15)),
      publishTime: new Date().toISOString(),
      ...(options.attributes ? { attributes: options.attributes } : {}),
    },
    subscription: 'projects/test-project/subscriptions/content-requests-push',
    ...(options.deliveryAttempt !== undefined ? { deliveryAttempt: options.deliveryAttempt } : {}),
  };
}
