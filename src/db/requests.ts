/**
 * The request's state in Postgres: upsert from a message, the lease claim, and
 * the run's writes. Every write of a run is conditional on its lease
 * generation (the fencing token), so a run that lost its lease cannot
 * overwrite its successor.
 */
import { sql, type Selectable } from 'kysely';
import type { ContentRequest } from '../contract/types.js';
import type { Database } from './database.js';
import type { ContentRequests, JsonObject, RequestStatus } from './schema.gen.js';

export type RequestRow = Selectable<ContentRequests>;

export const TERMINAL_STATUSES: readonly RequestStatus[] = [
  'completed',
  'failed',
  'clarification_needed',
];

export function isTerminal(status: RequestStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

/** The request as a claimed delivery sees it. */
export interface ClaimedRequest {
  id: string;
  status: RequestStatus;
  generation: number;
  attemptCount: number;
  studentId: string;
  studentQuery: string;
  gradeLevel: number;
  interest: string | null;
  modality: 'text' | 'video';
  language: string;
  correlationId: string | null;
}

export type ClaimResult =
  | { kind: 'claimed'; request: ClaimedRequest }
  | { kind: 'terminal'; status: RequestStatus; attemptCount: number }
  | { kind: 'leased'; status: RequestStatus; attemptCount: number; leaseOwner: string | null }
  | { kind: 'missing' };

/** Creates the row when the upstream API did not (replays, tests); an existing row is left as it is. */
export async function upsertRequest(db: Database, request: ContentRequest): Promise<void> {
  await db
    .insertInto('content_requests')
    .values({
      id: request.request_id,
      student_id: request.student_id,
      student_query: request.student_query,
      grade_level: request.grade_level,
      interest: request.interest ?? null,
      modality: request.modality,
      language: request.language,
      correlation_id: request.correlation_id ?? null,
    })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
}

/**
 * One conditional UPDATE claims the request: not terminal, and the lease free,
 * expired, or held by this same message (Pub/Sub redelivers a message only
 * after its earlier push is gone or its answer will be ignored).
 */
export async function claimRequest(
  db: Database,
  id: string,
  messageId: string,
  leaseSeconds: number,
): Promise<ClaimResult> {
  const claimed = await db
    .updateTable('content_requests')
    .set((eb) => ({
      lease_owner: messageId,
      lease_expires_at: sql<Date>`now() + make_interval(secs => ${leaseSeconds})`,
      lease_generation: eb('lease_generation', '+', 1),
      attempt_count: eb('attempt_count', '+', 1),
      status: sql<RequestStatus>`case when status = 'pending' then 'validating'::request_status else status end`,
      updated_at: sql<Date>`now()`,
    }))
    .where('id', '=', id)
    .where('status', 'not in', TERMINAL_STATUSES)
    .where((eb) =>
      eb.or([
        eb('lease_owner', 'is', null),
        eb('lease_expires_at', '<=', sql<Date>`now()`),
        eb('lease_owner', '=', messageId),
      ]),
    )
    .returning([
      'id',
      'status',
      'lease_generation',
      'attempt_count',
      'student_id',
      'student_query',
      'grade_level',
      'interest',
      'modality',
      'language',
      'correlation_id',
    ])
    .executeTakeFirst();
  if (claimed) {
    return {
      kind: 'claimed',
      request: {
        id: claimed.id,
        status: claimed.status,
        generation: claimed.lease_generation,
        attemptCount: claimed.attempt_count,
        studentId: claimed.student_id,
        studentQuery: claimed.student_query,
        gradeLevel: claimed.grade_level,
        interest: claimed.interest,
        modality: claimed.modality,
        language: claimed.language,
        correlationId: claimed.correlation_id,
      },
    };
  }
  const current = await db
    .selectFrom('content_requests')
    .select(['status', 'attempt_count', 'lease_owner'])
    .where('id', '=', id)
    .executeTakeFirst();
  if (!current) return { kind: 'missing' };
  if (isTerminal(current.status))
    return { kind: 'terminal', status: current.status, attemptCount: current.attempt_count };
  return {
    kind: 'leased',
    status: current.status,
    attemptCount: current.attempt_count,
    leaseOwner: current.lease_owner,
  };
}

/** Extends the lease; false when the run no longer holds it. */
export async function renewLease(
  db: Database,
  id: string,
  generation: number,
  leaseSeconds: number,
): Promise<boolean> {
  const result = await db
    .updateTable('content_requests')
    .set({ lease_expires_at: sql<Date>`now() + make_interval(secs => ${leaseSeconds})` })
    .where('id', '=', id)
    .where('lease_generation', '=', generation)
    .where('status', 'not in', TERMINAL_STATUSES)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export class LeaseLostError extends Error {
  readonly code = 'lease_lost';
  constructor(id: string) {
    super(`request ${id}: this delivery lost its lease to a newer one; its writes were refused`);
  }
}

interface Progress {
  status?: RequestStatus;
  progressPercentage?: number;
  currentStage?: string | null;
}

/** Fenced progress write. Throws LeaseLostError when the run no longer holds the lease. */
export async function recordProgress(
  db: Database,
  id: string,
  generation: number,
  progress: Progress,
): Promise<void> {
  const result = await db
    .updateTable('content_requests')
    .set({
      ...(progress.status !== undefined ? { status: progress.status } : {}),
      ...(progress.progressPercentage !== undefined
        ? { progress_percentage: progress.progressPercentage }
        : {}),
      ...(progress.currentStage !== undefined ? { current_stage: progress.currentStage } : {}),
      updated_at: sql<Date>`now()`,
    })
    .where('id', '=', id)
    .where('lease_generation', '=', generation)
    .executeTakeFirst();
  if (result.numUpdatedRows === 0n) throw new LeaseLostError(id);
}

/** What every terminal write sets: no stage, no lease, and the time it ended. */
function endedColumns() {
  return {
    current_stage: null,
    lease_owner: null,
    lease_expires_at: null,
    updated_at: sql<Date>`now()`,
    completed_at: sql<Date>`now()`,
  };
}

export type Ending =
  | { status: 'completed'; result: JsonObject }
  | { status: 'clarification_needed'; result: JsonObject }
  | { status: 'failed'; errorCode: string; errorMessage: string };

/** Fenced terminal write; releases the lease. Throws LeaseLostError when the run no longer holds it. */
export async function finishRequest(
  db: Database,
  id: string,
  generation: number,
  ending: Ending,
): Promise<void> {
  const result = await db
    .updateTable('content_requests')
    .set({
      status: ending.status,
      result: ending.status === 'failed' ? null : JSON.stringify(ending.result),
      error_code: ending.status === 'failed' ? ending.errorCode : null,
      error_message: ending.status === 'failed' ? ending.errorMessage : null,
      progress_percentage: ending.status === 'completed' ? 100 : sql<number>`progress_percentage`,
      ...endedColumns(),
    })
    .where('id', '=', id)
    .where('lease_generation', '=', generation)
    .where('status', 'not in', TERMINAL_STATUSES)
    .executeTakeFirst();
  if (result.numUpdatedRows === 0n) throw new LeaseLostError(id);
}

/** Gives the lease back after a transient failure, so the redelivery need not wait for it to lapse. */
export async function releaseLease(db: Database, id: string, generation: number): Promise<void> {
  await db
    .updateTable('content_requests')
    .set({ lease_owner: null, lease_expires_at: null, updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .where('lease_generation', '=', generation)
    .execute();
}

/**
 * Counts a delivery whose payload was refused against its request (when the
 * row exists and is not terminal), so the emulator's attempt-less envelopes
 * still reach the last attempt. Returns the new count, or undefined.
 */
export async function countRefusedDelivery(db: Database, id: string): Promise<number | undefined> {
  const row = await db
    .updateTable('content_requests')
    .set((eb) => ({ attempt_count: eb('attempt_count', '+', 1), updated_at: sql<Date>`now()` }))
    .where('id', '=', id)
    .where('status', 'not in', TERMINAL_STATUSES)
    .returning('attempt_count')
    .executeTakeFirst();
  return row?.attempt_count;
}

/**
 * Marks the request failed with error_code 'dead_lettered' before the last
 * nack. With a generation, only if this run still holds the lease; without,
 * only if no live delivery holds it. Returns whether the row changed.
 */
export async function markDeadLettered(
  db: Database,
  id: string,
  generation: number | undefined,
  message: string,
): Promise<boolean> {
  let query = db
    .updateTable('content_requests')
    .set({
      status: 'failed',
      error_code: 'dead_lettered',
      error_message: message,
      ...endedColumns(),
    })
    .where('id', '=', id)
    .where('status', 'not in', TERMINAL_STATUSES);
  query =
    generation !== undefined
      ? query.where('lease_generation', '=', generation)
      : query.where((eb) =>
          eb.or([eb('lease_owner', 'is', null), eb('lease_expires_at', '<=', sql<Date>`now()`)]),
        );
  const result = await query.executeTakeFirst();
  return result.numUpdatedRows > 0n;
}
