/**
 * Which requests being delivered are already finished: the duplicate path's one indexed lookup. Redeliveries of
 * finished requests come in bursts (a backlog after an outage, a replayed subscription), so the lookups of one
 * event-loop turn share a round trip (DataLoader): one query, one index probe per id. At low load a turn holds one
 * lookup and nothing waits; under load a round trip and a statement execution per delivery were most of the
 * duplicate path's cost.
 */
import DataLoader from 'dataloader';
import { sql } from 'kysely';
import type { Database } from './database.js';
import { preparedQuery } from './prepared-query.js';
import { isTerminal } from './requests.js';
import type { RequestStatus } from './schema.gen.js';

const selectStatuses = preparedQuery(
  'finished_statuses',
  (db: Database, ids: readonly string[]) =>
    db
      .selectFrom('content_requests')
      .select(['id', 'status'])
      .where('id', '=', sql<string>`any(${ids}::uuid[])`),
  [[]],
);

// A bound on one statement's array: a turn under extreme load splits into several queries.
const MAX_BATCH = 200;

export type FinishedLookup = (requestId: string) => Promise<RequestStatus | undefined>;

/** The request's status if it is finished (completed, failed, clarification_needed), else undefined. */
export function finishedLookup(db: Database): FinishedLookup {
  const loader = new DataLoader<string, RequestStatus | undefined>(
    async (ids) => {
      const status = new Map((await selectStatuses(db, ids)).map((row) => [row.id, row.status]));
      return ids.map((id) => {
        const s = status.get(id);
        return s !== undefined && isTerminal(s) ? s : undefined;
      });
    },
    {
      // A status changes: every lookup asks the database.
      cache: false,
      maxBatchSize: MAX_BATCH,
      // After the poll phase: deliveries whose bodies arrived in the same turn, on different sockets, join.
      batchScheduleFn: (dispatch) => setImmediate(dispatch),
    },
  );
  return (requestId) => loader.load(requestId);
}
