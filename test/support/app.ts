/** Builds the real app on a real database, capturing its log lines. */
import { Writable } from 'node:stream';
import { buildApp } from '../../src/app.js';
import { parseConfig, type Config } from '../../src/config/config.js';
import type { Database } from '../../src/db/database.js';
import type { App } from '../../src/http/app-type.js';
import { createLogger } from '../../src/logging/logger.js';
import type { Pipeline } from '../../src/pipeline/pipeline.js';
import { placeholderPipeline } from './placeholder-pipeline.js';

export interface TestApp {
  app: App;
  logs: Record<string, unknown>[];
  rawLogs: string[];
  shutdown: AbortController;
  config: Config;
}

export function testConfig(env: Record<string, string> = {}): Config {
  // Event-loop shedding is off unless a test asks for it: a busy CI machine must not turn test pushes into 503s.
  const parsed = parseConfig({ MAX_EVENT_LOOP_DELAY_MS: '0', ...env });
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  return parsed.config;
}

export async function buildTestApp(
  db: Database,
  options: { pipeline?: Pipeline; env?: Record<string, string>; asyncCommitDb?: Database } = {},
): Promise<TestApp> {
  const rawLogs: string[] = [];
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line) continue;
        rawLogs.push(line);
        logs.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  const config = testConfig(options.env);
  const shutdown = new AbortController();
  const app = await buildApp({
    config,
    logger: createLogger('debug', sink),
    db,
    ...(options.asyncCommitDb ? { asyncCommitDb: options.asyncCommitDb } : {}),
    pipeline: options.pipeline ?? placeholderPipeline,
    shutdownSignal: shutdown.signal,
  });
  await app.ready();
  return { app, logs, rawLogs, shutdown, config };
}
