/**
 * Runs work under a deadline. The work gets a signal that aborts at the
 * deadline (or with the parent); if it ignores the signal, the deadline still
 * wins and its late result is discarded.
 */
import { TransientError } from './pipeline.js';

export async function withDeadline<T>(
  label: string,
  timeoutMs: number,
  parent: AbortSignal,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  parent.throwIfAborted();
  const deadline = new AbortController();
  const timer = setTimeout(
    () =>
      deadline.abort(
        new TransientError(
          'stage_timeout',
          `stage ${label} ran past its ${timeoutMs / 1000} s timeout`,
        ),
      ),
    timeoutMs,
  );
  const signal = AbortSignal.any([parent, deadline.signal]);
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([work(signal), aborted]);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}
