/**
 * Errors raised before a handler runs (body too large, wrong content type,
 * unparsable JSON, bad path parameter) answer with a code and a message a
 * person can act on; never a stack, never a 5xx for bad input.
 */
import type { FastifyError } from 'fastify';
import type { App } from './app-type.js';
import type { ErrorBody } from '../contract/types.js';
import { httpStatus, toResponseBody } from '../delivery/outcome.js';
import { logOutcome, PUSH_PATH } from './push-route.js';

export function registerErrorHandler(app: App, bodyLimitBytes: number): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode ?? 500;
    if (status === 413) {
      request.log.warn({ http_status: 413 }, 'body over the limit refused');
      return reply.code(413).send({
        error: 'payload_too_large',
        message: `the body is larger than ${bodyLimitBytes} bytes`,
      } satisfies ErrorBody);
    }
    if (status === 415) {
      request.log.warn({ http_status: 415 }, 'unsupported content type refused');
      return reply.code(415).send({
        error: 'unsupported_media_type',
        message: 'send the body as application/json',
      } satisfies ErrorBody);
    }
    if (status === 400 && request.routeOptions.url === PUSH_PATH) {
      const decision = {
        outcome: 'invalid_envelope' as const,
        detail: 'the body is not valid JSON',
      };
      logOutcome(request.log, decision, performance.now());
      return reply.code(httpStatus(decision.outcome)).send(toResponseBody(decision));
    }
    if (error.validation) {
      return reply.code(400).send({
        error: 'invalid_request',
        message: `${error.validationContext ?? 'request'} ${error.message}`,
      } satisfies ErrorBody);
    }
    if (status >= 400 && status < 500) {
      return reply
        .code(status)
        .send({ error: error.code ?? 'bad_request', message: error.message } satisfies ErrorBody);
    }
    request.log.error(
      { err: { name: error.name, message: error.message, code: error.code, stack: error.stack } },
      'unhandled error',
    );
    if (request.routeOptions.url === PUSH_PATH) {
      return reply
        .code(500)
        .send(toResponseBody({ outcome: 'bug', detail: 'unexpected error; it has been logged' }));
    }
    return reply.code(500).send({
      error: 'internal',
      message: 'unexpected error; it has been logged',
    } satisfies ErrorBody);
  });

  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({
      error: 'route_not_found',
      message: `no route ${request.method} ${request.url.split('?')[0]}`,
    } satisfies ErrorBody),
  );
}
