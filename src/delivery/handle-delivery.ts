/**
 * One push delivery, from body to Decision: decode, upsert, claim, run the
 * pipeline under a heartbeat-renewed lease, record the ending, and on the last
 * attempt mark a request that will nack as dead-lettered.
 */
import type { Logger } from 'pino';
import type { ContractValidators } from '../contract/validators.js';
import type { Database } from '../db/database.js';
import type { FinishedLookup } from '../db/finished-lookup.js';
import {
  claimRequest,
  countRefusedDelivery,
  finishRequest,
  LeaseLostError,
  markDeadLettered,
  releaseLease,
  upsertRequest,
  type ClaimedRequest,
  type ClaimResult,
} from '../db/requests.js';
import type { RequestStatus } from '../db/schema.gen.js';
import { PermanentError, type Pipeline } from '../pipeline/pipeline.js';
import { effectiveAttempt, shouldMarkDeadLettered, WARN_ABOVE_ATTEMPT } from './attempts.js';
import { createCheckpoints } from './checkpoints.js';
import { classifyError } from './classify-error.js';
import { decodeDelivery } from './decode.js';
import { startHeartbeat } from './lease-heartbeat.js';
import type { Decision } from './outcome.js';

export interface DeliveryDeps {
  db: Database;
  /** For checkpoints, progress and the request upsert: may commit asynchronously (db/open.ts says why). */
  asyncCommitDb: Database;
  /** The duplicate path's lookup (db/finished-lookup.ts): built once, it batches the lookups of a turn. */
  finishedStatus: FinishedLookup;
  validators: ContractValidators;
  pipeline: Pipeline;
  maxDeliveryAttempts: number;
  leaseSeconds: number;
  /** Aborted when the grace period after SIGTERM runs out: in-flight runs stop and nack. */
  shutdownSignal: AbortSignal;
}

export interface DeliveryReport {
  decision: Decision;
  /** request_id, message_id, delivery_attempt and correlation_id, for the outcome line. */
  fields: DeliveryLogFields;
}

export interface DeliveryLogFields {
  request_id: string | null;
  message_id: string | null;
  delivery_attempt: number | null;
  correlation_id: string | null;
}

interface Ids {
  requestId: string | undefined;
  messageId: string | undefined;
  correlationId: string | undefined;
}

// Plain fields merged into each line rather than a pino child per delivery: a child costs more than a 422 answer
// itself. The pipeline, which logs many lines, gets a child of its own.
function fieldsOf(log: Logger, ids: Ids, attempt: number | undefined): DeliveryLogFields {
  const fields = {
    request_id: ids.requestId ?? null,
    message_id: ids.messageId ?? null,
    delivery_attempt: attempt ?? null,
    correlation_id: ids.correlationId ?? null,
  };
  if (attempt !== undefined && attempt > WARN_ABOVE_ATTEMPT)
    log.warn(fields, 'delivery attempt above %d: possible poison message', WARN_ABOVE_ATTEMPT);
  return fields;
}

export async function handleDelivery(
  body: unknown,
  deps: DeliveryDeps,
  log: Logger,
): Promise<DeliveryReport> {
  const decoded = decodeDelivery(body, deps.validators);

  if (!decoded.ok) {
    const ids = {
      requestId: decoded.requestId,
      messageId: decoded.messageId,
      correlationId: decoded.correlationId,
    };
    let fields = fieldsOf(log, ids, decoded.envelopeAttempt);
    const decision: Decision = decoded.decision;
    if (decoded.requestId !== undefined) {
      // The payload is wrong whatever the database says: a failure here is logged, and the answer stays 422.
      try {
        const count = await countRefusedDelivery(deps.db, decoded.requestId);
        const attempt = effectiveAttempt(decoded.envelopeAttempt, count);
        if (decoded.envelopeAttempt === undefined && count !== undefined)
          fields = fieldsOf(log, ids, attempt);
        await deadLetterIfLast(decision, attempt, undefined, decoded.requestId, deps, log, fields);
      } catch (err) {
        log.error(
          { ...fields, err: errorSummary(err) },
          'could not count the refused delivery against its request',
        );
      }
    }
    return { decision, fields };
  }

  const { request, messageId, envelope } = decoded;
  const ids = { requestId: request.request_id, messageId, correlationId: decoded.correlationId };
  let fields = fieldsOf(log, ids, envelope.deliveryAttempt);
  let attempt = envelope.deliveryAttempt;
  let claimed: ClaimedRequest | undefined;
  let decision: Decision;
  try {
    // Redeliveries of finished requests are the common case under at-least-once delivery: one indexed lookup answers them.
    const finished = await deps.finishedStatus(request.request_id);
    let claim: ClaimResult | { kind: 'terminal'; status: RequestStatus };
    if (finished) {
      claim = { kind: 'terminal', status: finished };
    } else {
      // Committed asynchronously: the claim's synchronous commit right after flushes it too.
      await upsertRequest(deps.asyncCommitDb, request);
      claim = await claimRequest(deps.db, request.request_id, messageId, deps.leaseSeconds);
    }
    switch (claim.kind) {
      case 'terminal':
        decision = {
          outcome: 'duplicate',
          status: claim.status,
          detail: 'request already finished',
        };
        break;
      case 'leased':
        decision = {
          outcome: 'in_progress_elsewhere',
          status: claim.status,
          detail: 'another delivery holds the lease',
        };
        break;
      case 'missing':
        decision = { outcome: 'retry', detail: 'request row vanished between upsert and claim' };
        break;
      case 'claimed':
        claimed = claim.request;
        if (attempt === undefined) {
          attempt = claimed.attemptCount;
          fields = fieldsOf(log, ids, attempt);
        }
        decision = await runClaimed(claimed, deps, log.child(fields));
        break;
    }
  } catch (err) {
    decision = classifyError(err);
    if (decision.outcome === 'bug')
      log.error(
        {
          ...fields,
          err: { ...errorSummary(err), stack: err instanceof Error ? err.stack : undefined },
        },
        'delivery failed unexpectedly',
      );
    else log.warn({ ...fields, err: errorSummary(err) }, 'delivery will be retried');
  }
  decision.requestId = request.request_id;
  await deadLetterIfLast(
    decision,
    attempt,
    claimed?.generation,
    request.request_id,
    deps,
    log,
    fields,
  );
  return { decision, fields };
}

async function runClaimed(
  request: ClaimedRequest,
  deps: DeliveryDeps,
  log: Logger,
): Promise<Decision> {
  const { db } = deps;
  const lost = new AbortController();
  const signal = AbortSignal.any([lost.signal, deps.shutdownSignal]);
  const heartbeat = startHeartbeat({
    db,
    requestId: request.id,
    generation: request.generation,
    leaseSeconds: deps.leaseSeconds,
    log,
    onLost: () => lost.abort(new LeaseLostError(request.id)),
  });
  try {
    const result = await deps.pipeline({
      request,
      signal,
      log,
      checkpoints: createCheckpoints(deps.asyncCommitDb, request.id, request.generation),
    });
    switch (result.kind) {
      case 'completed':
        await finishRequest(db, request.id, request.generation, {
          status: 'completed',
          result: result.result,
        });
        return { outcome: 'completed', status: 'completed' };
      case 'clarification_needed':
        await finishRequest(db, request.id, request.generation, {
          status: 'clarification_needed',
          result: result.result,
        });
        return { outcome: 'clarification_needed', status: 'clarification_needed' };
      case 'failed':
        await finishRequest(db, request.id, request.generation, {
          status: 'failed',
          errorCode: result.code,
          errorMessage: result.message,
        });
        return { outcome: 'failed_permanently', status: 'failed', detail: result.code };
    }
  } catch (err) {
    if (err instanceof PermanentError) {
      await finishRequest(db, request.id, request.generation, {
        status: 'failed',
        errorCode: err.code,
        errorMessage: err.message,
      });
      log.warn({ error_code: err.code }, 'request failed permanently');
      return { outcome: 'failed_permanently', status: 'failed', detail: err.code };
    }
    if (lost.signal.aborted) throw lost.signal.reason;
    if (deps.shutdownSignal.aborted)
      return { outcome: 'retry', detail: 'service shutting down: aborted in flight' };
    // Give the lease back so the redelivery need not wait for it to lapse.
    await releaseLease(db, request.id, request.generation).catch((e: unknown) =>
      log.warn({ err: errorSummary(e) }, 'could not release the lease'),
    );
    throw err;
  } finally {
    heartbeat.stop();
  }
}

async function deadLetterIfLast(
  decision: Decision,
  attempt: number | undefined,
  generation: number | undefined,
  requestId: string,
  deps: DeliveryDeps,
  log: Logger,
  fields: DeliveryLogFields,
): Promise<void> {
  if (!shouldMarkDeadLettered(decision.outcome, attempt, deps.maxDeliveryAttempts)) return;
  const message = `last delivery attempt (${attempt} of ${deps.maxDeliveryAttempts}) ended in ${decision.outcome}${decision.detail ? `: ${decision.detail}` : ''}; the message goes to the dead-letter topic`;
  try {
    if (await markDeadLettered(deps.db, requestId, generation, message)) {
      decision.status = 'failed';
      log.error(
        { ...fields, outcome: decision.outcome },
        'request marked dead_lettered before the last nack',
      );
    }
  } catch (err) {
    log.error({ ...fields, err: errorSummary(err) }, 'could not mark the request dead_lettered');
  }
}

/** Enough of an error to act on, without the values a driver may quote from the statement. */
function errorSummary(err: unknown): { name: string; code?: string; message: string } {
  if (!(err instanceof Error)) return { name: 'unknown', message: String(err) };
  const code = (err as { code?: unknown }).code;
  return { name: err.name, message: err.message, ...(typeof code === 'string' ? { code } : {}) };
}
