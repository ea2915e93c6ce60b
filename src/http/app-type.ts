import type {
  FastifyInstance,
  FastifySchema,
  FastifyTypeProviderDefault,
  onRequestAsyncHookHandler,
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

/** A check run in onRequest, before the body is read; it answers the request itself to refuse it. */
export type Guard = onRequestAsyncHookHandler<
  RawServerDefault,
  IncomingMessage,
  ServerResponse<IncomingMessage>,
  RouteGenericInterface,
  unknown,
  FastifySchema,
  FastifyTypeProviderDefault,
  Logger
>;
