/**
 * Stage runs: one row per request and stage, the checkpoint a redelivery
 * resumes from. Writes are fenced like the request's: they happen only while
 * the run's lease generation is the request's current one.
 */
import { sql, type Selectable } from 'kysely';
import type { Database } from './database.js';
import type { JsonValue, StageRuns } from './schema.gen.js';
import { LeaseLostError } from './requests.js';

export type StageRunRow = Selectable<StageRuns>;

function holdsLease(db: Database, requestId: string, generation: number) {
  return db
    .selectFrom('content_requests')
    .select(sql`1`.as('one'))
    .where('id', '=', requestId)
    .where('lease_generation', '=', generation);
}

export async function startStage(
  db: Database,
  requestId: string,
  generation: number,
  stage: string,
): Promise<void> {
  const result = await db
    .insertInto('stage_runs')
    .columns(['request_id', 'stage', 'status', 'lease_generation', 'started_at'])
    .expression(
      db
        .selectNoFrom([
          sql<string>`${requestId}::uuid`.as('request_id'),
          sql<string>`${stage}`.as('stage'),
          sql`'running'::stage_run_status`.as('status'),
          sql<number>`${generation}::integer`.as('lease_generation'),
          sql`clock_timestamp()`.as('started_at'),
        ])
        .where(({ exists }) => exists(holdsLease(db, requestId, generation))),
    )
    .onConflict((oc) =>
      oc.columns(['request_id', 'stage']).doUpdateSet({
        status: 'running',
        lease_generation: generation,
        started_at: sql`clock_timestamp()`,
        finished_at: null,
        duration_ms: null,
        output: null,
        error: null,
      }),
    )
    .executeTakeFirst();
  if ((result.numInsertedOrUpdatedRows ?? 0n) === 0n) throw new LeaseLostError(requestId);
}

export async function finishStage(
  db: Database,
  requestId: string,
  generation: number,
  stage: string,
  ending: { status: 'completed'; output: JsonValue } | { status: 'failed'; error: string },
): Promise<void> {
  const result = await db
    .updateTable('stage_runs')
    .set({
      status: ending.status,
      finished_at: sql<Date>`clock_timestamp()`,
      duration_ms: sql<number>`(extract(epoch from clock_timestamp() - started_at) * 1000)::integer`,
      output: ending.status === 'completed' ? JSON.stringify(ending.output) : null,
      error: ending.status === 'failed' ? ending.error : null,
    })
    .where('request_id', '=', requestId)
    .where('stage', '=', stage)
    .where('lease_generation', '=', generation)
    .where(({ exists }) => exists(holdsLease(db, requestId, generation)))
    .executeTakeFirst();
  if (result.numUpdatedRows === 0n) throw new LeaseLostError(requestId);
}

export async function listStageRuns(db: Database, requestId: string): Promise<StageRunRow[]> {
  return db
    .selectFrom('stage_runs')
    .selectAll()
    .where('request_id', '=', requestId)
    .orderBy('started_at')
    .execute();
}

export async function completedStageOutputs(
  db: Database,
  requestId: string,
): Promise<Map<string, JsonValue>> {
  const rows = await db
    .selectFrom('stage_runs')
    .select(['stage', 'output'])
    .where('request_id', '=', requestId)
    .where('status', '=', 'completed')
    .execute();
  return new Map(rows.map((r) => [r.stage, r.output]));
}
