/**
 * pino in Google Cloud Logging's structured format: `severity` instead of a
 * numeric level, `message` for the text, an ISO `time`. Student text and
 * tokens are redacted wherever they might be passed by mistake.
 */
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';

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
export const REDACT_PATHS = [
  ...SECRET_FIELDS,
  ...SECRET_FIELDS.map((f) => `*.${f}`),
  'req.headers.authorization',
  'headers.authorization',
];

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    messageKey: 'message',
    base: undefined,
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: {
      level: (label) => ({ severity: SEVERITY[label] ?? 'DEFAULT' }),
    },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  };
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return destination ? pino(loggerOptions(level), destination) : pino(loggerOptions(level));
}
