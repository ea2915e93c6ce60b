/**
 * What stands before the handlers: load shedding (a cap on deliveries in
 * flight, and event-loop pressure) and OIDC authentication. Health routes pass
 * untouched; shed and refused pushes answer at once, before any work.
 */
import underPressure, { type FastifyUnderPressureOptions } from '@fastify/under-pressure';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config/config.js';
import type { DeliveryResult, ErrorBody } from '../contract/types.js';
import { httpStatus, toResponseBody, type Decision } from '../delivery/outcome.js';
import type { App, Guard } from './app-type.js';
import type { IdTokenVerifier } from './id-token.js';
import { logOutcome, PUSH_PATH } from './push-route.js';

/** The status and body that refuse a request before its handler: a DeliveryResult on the push route, an Error elsewhere. */
function refusal(
  request: FastifyRequest,
  decision: Decision,
): { status: number; body: DeliveryResult | ErrorBody } {
  const status = httpStatus(decision.outcome);
  if (request.routeOptions.url === PUSH_PATH) {
    logOutcome(request.log, decision, performance.now());
    return { status, body: toResponseBody(decision) };
  }
  return {
    status,
    body: { error: decision.outcome, message: decision.detail ?? decision.outcome },
  };
}

function refuse(request: FastifyRequest, reply: FastifyReply, decision: Decision): FastifyReply {
  const { status, body } = refusal(request, decision);
  return reply.code(status).send(body);
}

/** At most `max` pushes in flight; the next is a 503 (nack) at once. */
export function concurrencyCap(max: number): Guard {
  let inFlight = 0;
  const release = (): void => {
    inFlight--;
  };
  // Callback style: this runs for every delivery and never waits.
  return function cap(request, reply, done) {
    if (inFlight >= max) {
      reply.header('retry-after', '1');
      refuse(request, reply, {
        outcome: 'retry',
        detail: `over capacity: ${max} deliveries already in flight`,
      });
      return;
    }
    inFlight++;
    // 'close' fires once, when the response is sent or the connection is gone, whichever comes first.
    reply.raw.on('close', release);
    done();
  };
}

export function requireToken(verifier: IdTokenVerifier, accounts: readonly string[]): Guard {
  return async function authenticate(request, reply) {
    const result = await verifier.check(request.headers.authorization, accounts);
    if (result.ok) return;
    request.log.warn({ auth: result.outcome }, 'request refused by authentication');
    return refuse(request, reply, { outcome: result.outcome, detail: result.detail });
  };
}

/** Event-loop pressure sheds pushes (and operator reads), never health probes. */
export async function registerPressureShedding(
  app: App,
  config: Pick<Config, 'maxEventLoopDelayMs'>,
): Promise<void> {
  if (config.maxEventLoopDelayMs === 0) return;
  await app.register(underPressure, {
    maxEventLoopDelay: config.maxEventLoopDelayMs,
    sampleInterval: 200,
    // Returning nothing lets the request through; returning a body makes the plugin send it.
    pressureHandler: ((
      request: FastifyRequest,
      reply: FastifyReply,
      type: string,
      value: number | undefined,
    ) => {
      if (request.url.startsWith('/health')) return undefined;
      const { status, body } = refusal(request, {
        outcome: 'retry',
        detail: `under pressure: ${type} at ${Math.round(Number(value))}`,
      });
      reply.code(status).header('retry-after', '1');
      return body;
    }) as unknown as FastifyUnderPressureOptions['pressureHandler'],
  });
}
