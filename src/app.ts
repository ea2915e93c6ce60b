/** Builds the Fastify app from its dependencies; no I/O of its own, so tests build it with real parts. */
import Fastify, { LogController } from 'fastify';
import type { App } from './http/app-type.js';
import type { Logger } from 'pino';
import type { Config } from './config/config.js';
import { routeDrift } from './contract/openapi.js';
import { compileValidators, createAjv, type ContractValidators } from './contract/validators.js';
import type { Database } from './db/database.js';
import { finishedLookup } from './db/finished-lookup.js';
import { createReadinessCheck } from './db/readiness.js';
import { registerErrorHandler } from './http/error-handler.js';
import { concurrencyCap, registerPressureShedding, requireToken } from './http/guards.js';
import { createIdTokenVerifier } from './http/id-token.js';
import { registerHealthRoutes } from './http/health-routes.js';
import { registerPushRoute } from './http/push-route.js';
import { registerRequestsRoute } from './http/requests-route.js';
import { parseTraceHeaders, traceLogFields } from './logging/trace.js';
import type { Pipeline } from './pipeline/pipeline.js';

export interface AppDeps {
  config: Pick<
    Config,
    | 'bodyLimitBytes'
    | 'traceProjectId'
    | 'readinessTimeoutMs'
    | 'maxDeliveryAttempts'
    | 'leaseSeconds'
    | 'pushAuth'
    | 'requestsApiAccounts'
    | 'maxConcurrentDeliveries'
    | 'maxEventLoopDelayMs'
  >;
  logger: Logger;
  db: Database;
  /** `db` committing asynchronously, for checkpoints, progress and the upsert (see db/open.ts); `db` when absent. */
  asyncCommitDb?: Database;
  pipeline: Pipeline;
  shutdownSignal: AbortSignal;
  /** Compiled once in main and shared with the pipeline; built here when absent (tests). */
  validators?: ContractValidators;
}

export async function buildApp(deps: AppDeps): Promise<App> {
  const { config } = deps;
  const registered: string[] = [];
  const app = Fastify({
    loggerInstance: deps.logger,
    // One outcome line per delivery is ours to write; Fastify's per-request lines would only repeat it.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.bodyLimitBytes,
    exposeHeadRoutes: false,
    return503OnClosing: true,
    // No per-request child for Fastify's reqId (a counter, meaningless across instances): a child per request costs
    // more than a rejected delivery. Only a request that carries a trace gets one, for Cloud Logging's correlation.
    childLoggerFactory: (logger, _bindings, _options, raw) => {
      const trace = traceLogFields(parseTraceHeaders(raw.headers), config.traceProjectId);
      return Object.keys(trace).length > 0 ? logger.child(trace) : logger;
    },
  });

  // Route schemas come from openapi.yaml (JSON Schema 2020-12): compile them with the same ajv as the payload.
  const ajv = createAjv();
  app.setValidatorCompiler(({ schema }) => ajv.compile(schema));
  // Only JSON is a push body; anything else is a 415, not a 400 from a failed parse.
  app.removeContentTypeParser('text/plain');

  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) registered.push(`${method} ${route.url}`);
  });

  registerErrorHandler(app, config.bodyLimitBytes);
  await registerPressureShedding(app, config);
  // Authentication runs in onRequest, before the body is read: an unauthenticated 13 MB body is never parsed.
  const verifier = config.pushAuth ? createIdTokenVerifier(config.pushAuth) : undefined;
  const pushGuards = [
    concurrencyCap(config.maxConcurrentDeliveries),
    ...(verifier && config.pushAuth
      ? [requireToken(verifier, config.pushAuth.serviceAccounts)]
      : []),
  ];
  const readGuards = verifier ? [requireToken(verifier, config.requestsApiAccounts)] : [];

  registerHealthRoutes(app, createReadinessCheck(deps.db, config.readinessTimeoutMs));
  registerRequestsRoute(app, deps.db, readGuards);
  registerPushRoute(
    app,
    {
      db: deps.db,
      asyncCommitDb: deps.asyncCommitDb ?? deps.db,
      finishedStatus: finishedLookup(deps.db),
      validators: deps.validators ?? compileValidators(ajv),
      pipeline: deps.pipeline,
      maxDeliveryAttempts: config.maxDeliveryAttempts,
      leaseSeconds: config.leaseSeconds,
      shutdownSignal: deps.shutdownSignal,
    },
    pushGuards,
  );

  // openapi.yaml is the contract: a route it does not declare, or one it declares that the code lacks, stops the start.
  const drift = routeDrift(registered);
  if (drift.onlyInCode.length + drift.onlyInContract.length > 0) {
    throw new Error(
      `contract_drift: routes only in code: [${drift.onlyInCode.join(', ')}]; only in openapi.yaml: [${drift.onlyInContract.join(', ')}]`,
    );
  }
  return app;
}
