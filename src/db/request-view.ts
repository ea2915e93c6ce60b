/** The operator view of one request (GET /v1/requests/{id}), read from the request row and its stage runs. */
import type { RequestView } from '../contract/types.js';
import type { Database } from './database.js';
import { listStageRuns } from './stage-runs.js';

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export async function readRequestView(db: Database, id: string): Promise<RequestView | undefined> {
  const row = await db
    .selectFrom('content_requests')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) return undefined;
  const stages = await listStageRuns(db, id);
  return {
    id: row.id,
    status: row.status,
    progress_percentage: row.progress_percentage,
    current_stage: row.current_stage,
    attempt_count: row.attempt_count,
    modality: row.modality,
    correlation_id: row.correlation_id,
    stages: stages.map((s) => ({
      stage: s.stage,
      status: s.status,
      started_at: s.started_at.toISOString(),
      finished_at: iso(s.finished_at),
      duration_ms: s.duration_ms,
      output: s.output,
      error: s.error,
    })),
    result: row.result,
    error: row.error_code ? { code: row.error_code, message: row.error_message } : null,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
    completed_at: iso(row.completed_at),
  };
}
