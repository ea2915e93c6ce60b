import type {
  FastifyInstance,
  FastifySchema,
  FastifyTypeProviderDefault,
  onRequestHookHandler,
  RawServerDefault,
  RouteGenericInterface,
} from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';

/** The Fastify instance with our pino logger type, so routes hand request.log to code that expects a pino Logger. */
export type App = FastifyInstance<
  RawServerDefault,
  IncomingMessage,
  ServerResponse<IncomingMessage>,
  Logger
>;

/**
 * A check run in onRequest, before the body is read; it answers the request itself to refuse it. Either style:
 * async, or with `done` (no promise per request, for checks that never wait).
 */
export type Guard = onRequestHookHandler<
  RawServerDefault,
  IncomingMessage,
  ServerResponse<IncomingMessage>,
  RouteGenericInterface,
  unknown,
  FastifySchema,
  FastifyTypeProviderDefault,
  Logger
>;
