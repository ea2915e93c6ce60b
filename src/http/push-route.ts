/** POST /pubsub/push: one Pub/Sub push delivery. The status acks (2xx) or nacks it. */
import type { App, Guard } from './app-type.js';
import { componentSchema } from '../contract/openapi.js';
import {
  handleDelivery,
  type DeliveryDeps,
  type DeliveryLogFields,
} from '../delivery/handle-delivery.js';
import { HTTP_STATUS, httpStatus, toResponseBody, type Decision } from '../delivery/outcome.js';
import type { FastifyBaseLogger } from 'fastify';

export const PUSH_PATH = '/pubsub/push';

export function logOutcome(
  log: FastifyBaseLogger,
  decision: Decision,
  startedAt: number,
  delivery?: DeliveryLogFields,
): void {
  const status = httpStatus(decision.outcome);
  // Spelled out, not spread: see decode.ts. A refusal before decoding logs the same shape, with nulls.
  const fields = {
    request_id: delivery?.request_id ?? null,
    message_id: delivery?.message_id ?? null,
    delivery_attempt: delivery?.delivery_attempt ?? null,
    correlation_id: delivery?.correlation_id ?? null,
    outcome: decision.outcome,
    http_status: status,
    total_ms: Math.round(performance.now() - startedAt),
    detail: decision.detail,
  };
  if (status >= 500) log.error(fields, 'delivery finished');
  else if (status >= 400) log.warn(fields, 'delivery finished');
  else log.info(fields, 'delivery finished');
}

export function registerPushRoute(app: App, deps: DeliveryDeps, guards: Guard[] = []): void {
  const result = componentSchema('DeliveryResult');
  const response = Object.fromEntries(
    [...new Set(Object.values(HTTP_STATUS))].map((code) => [code, result]),
  );
  app.post(PUSH_PATH, { schema: { response }, onRequest: guards }, async (request, reply) => {
    const startedAt = performance.now();
    const { decision, fields } = await handleDelivery(request.body, deps, request.log);
    logOutcome(request.log, decision, startedAt, fields);
    return reply.code(httpStatus(decision.outcome)).send(toResponseBody(decision));
  });
}
