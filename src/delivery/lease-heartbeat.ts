/** Renews a claimed request's lease while its run works; reports when the lease was taken over. */
import type { Logger } from 'pino';
import type { Database } from '../db/database.js';
import { renewLease } from '../db/requests.js';

export interface Heartbeat {
  stop(): void;
}

export function startHeartbeat(options: {
  db: Database;
  requestId: string;
  generation: number;
  leaseSeconds: number;
  log: Logger;
  onLost: () => void;
}): Heartbeat {
  const { db, requestId, generation, leaseSeconds, log, onLost } = options;
  let stopped = false;
  const timer = setInterval(
    () => {
      renewLease(db, requestId, generation, leaseSeconds).then(
        (held) => {
          if (held || stopped) return;
          stopped = true;
          clearInterval(timer);
          log.warn('lease lost to a newer delivery; aborting this run');
          onLost();
        },
        // A missed renewal is not fatal: the lease outlives two more tries, and fencing protects the writes anyway.
        (err: Error) => log.warn({ err: { message: err.message } }, 'lease renewal failed'),
      );
    },
    Math.max(500, (leaseSeconds * 1000) / 3),
  );
  timer.unref();
  return {
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}
