import { execFileSync } from 'node:child_process';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractRoutes, routeDrift } from '../../src/contract/openapi.js';
import { buildApp } from '../../src/app.js';
import { placeholderPipeline } from '../support/placeholder-pipeline.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { testConfig } from '../support/app.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t.close());

describe('the contract and the code cannot drift', () => {
  it("the app builds only when its routes are exactly the contract's", async () => {
    const app = await buildApp({
      config: testConfig(),
      logger: pino({ level: 'silent' }),
      db: t.db,
      pipeline: placeholderPipeline,
      shutdownSignal: new AbortController().signal,
    });
    await app.ready();
    expect(contractRoutes()).toEqual([
      'GET /health',
      'GET /health/ready',
      'GET /v1/requests/:id',
      'POST /pubsub/push',
    ]);
    await app.close();
  });

  it('detects a route only in code and one only in the contract', () => {
    expect(routeDrift(['GET /health', 'GET /debug'], ['GET /health', 'GET /metrics'])).toEqual({
      onlyInCode: ['GET /debug'],
      onlyInContract: ['GET /metrics'],
    });
    expect(routeDrift(contractRoutes())).toEqual({ onlyInCode: [], onlyInContract: [] });
  });

  it('src/contract/openapi.gen.ts is current with openapi.yaml', () => {
    expect(() =>
      execFileSync(
        'npx',
        ['openapi-typescript', 'openapi.yaml', '-o', 'src/contract/openapi.gen.ts', '--check'],
        { stdio: 'pipe' },
      ),
    ).not.toThrow();
  });

  it('src/db/schema.gen.ts is current with the migrations', () => {
    expect(() =>
      execFileSync(
        'npx',
        [
          'kysely-codegen',
          '--dialect',
          'postgres',
          '--url',
          t.url,
          '--out-file',
          'src/db/schema.gen.ts',
          '--exclude-pattern',
          'kysely_migration*',
          '--verify',
        ],
        {
          stdio: 'pipe',
        },
      ),
    ).not.toThrow();
  });
});
