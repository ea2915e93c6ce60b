/**
 * pino in Google Cloud Logging's structured format: `severity` instead of a
 * numeric level, `message` for the text, an ISO `time`. Student text and
 * tokens are redacted wherever they might be passed by mistake.
 */
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { linesPerTurn } from './lines-per-turn.js';

const SEVERITY: Record<string, string> = {
  trace: 'DEBUG',
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARNING',
  error: 'ERROR',
  fatal: 'CRITICAL',
};

/** Field names that may hold a student's text or a credential, at the top level or one object down. */
const SECRET_FIELDS = [
  'student_query',
  'studentQuery',
  'interest',
  'authorization',
  'token',
  'password',
  'data',
];
const SECRET = new Set(SECRET_FIELDS);
const CENSOR = '[redacted]';

// Top-level paths only: pino's wildcard-first paths (`*.x`) run the redactor on every field of every line, strings
// included, which cost more than the rest of a 422 delivery. One object down is checked by censorNested instead
// (for the merge object of each line; child bindings get the top-level paths, and ours are flat).
export const REDACT_PATHS = [
  ...SECRET_FIELDS,
  'req.headers.authorization',
  'headers.authorization',
];

/** Replaces secret fields one object down, copying only an object that has one: cheap for the usual flat line. */
function censorNested(obj: Record<string, unknown>): Record<string, unknown> {
  let out = obj;
  for (const key in obj) {
    const value = obj[key];
    if (value === null || typeof value !== 'object' || Array.isArray(value)) continue;
    let inner: Record<string, unknown> | undefined;
    for (const innerKey in value) {
      if (!SECRET.has(innerKey)) continue;
      inner ??= { ...(value as Record<string, unknown>) };
      inner[innerKey] = CENSOR;
    }
    if (inner) {
      if (out === obj) out = { ...obj };
      out[key] = inner;
    }
  }
  return out;
}

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    messageKey: 'message',
    base: undefined,
    timestamp: isoTime,
    formatters: {
      level: (label) => ({ severity: SEVERITY[label] ?? 'DEFAULT' }),
      log: censorNested,
    },
    redact: { paths: REDACT_PATHS, censor: CENSOR },
  };
}

// pino's isoTime formats a Date for every line; under load a thousandth of a second has dozens of lines.
let lastMs = -1;
let lastTime = '';
function isoTime(): string {
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    lastTime = `,"time":"${new Date(now).toISOString()}"`;
  }
  return lastTime;
}

// One per process, as stdout is: its exit hook writes what the last turn left.
let stdout: DestinationStream | undefined;
function batchedStdout(): DestinationStream {
  if (stdout) return stdout;
  const batched = linesPerTurn(pino.destination({ dest: 1, sync: true }));
  process.on('exit', batched.flush);
  return (stdout = batched);
}

/** Logs to `destination`, or to stdout a turn of the event loop at a time (see lines-per-turn.ts). */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(loggerOptions(level), destination ?? batchedStdout());
}
