/** What an exception from a delivery means for Pub/Sub: retry later (503), another delivery owns it (409), or a bug (500). */
import { LeaseLostError } from '../db/requests.js';
import { TransientError } from '../pipeline/pipeline.js';
import type { Decision } from './outcome.js';

const TRANSIENT_NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/** SQLSTATE classes that say "the database is unavailable right now", not "your statement is wrong". */
function isTransientSqlState(code: string): boolean {
  return (
    code.startsWith('08') ||
    code.startsWith('53') ||
    code.startsWith('57P') ||
    code === '40001' ||
    code === '40P01' ||
    code === '55P03'
  );
}

export function isTransientDatabaseError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (
    typeof code === 'string' &&
    (TRANSIENT_NODE_CODES.has(code) || (/^[0-9A-Z]{5}$/.test(code) && isTransientSqlState(code)))
  )
    return true;
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|connect ECONNREFUSED/.test(
    err.message,
  );
}

export function classifyError(err: unknown): Decision {
  if (err instanceof LeaseLostError)
    return { outcome: 'in_progress_elsewhere', detail: err.message };
  if (err instanceof TransientError)
    return { outcome: 'retry', detail: `${err.code}: ${err.message}` };
  if (err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError'))
    return { outcome: 'retry', detail: `aborted: ${err.message}` };
  if (isTransientDatabaseError(err)) return { outcome: 'retry', detail: 'database unavailable' };
  return { outcome: 'bug', detail: 'unexpected error (see logs)' };
}
