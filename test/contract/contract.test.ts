import { execFileSync } from 'node:child_process';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import {
  compiledContractFile,
  componentSchema,
  contractHash,
  contractRoutes,
  findContractFile,
  loadContract,
  routeDrift,
} from '../../src/contract/openapi.js';
import { createAjv } from '../../src/contract/validators.js';
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
  it('every component schema is valid JSON Schema 2020-12 (the service compiles without that check)', () => {
    const ajv = createAjv({ checkSchemas: true });
    const names = Object.keys(loadContract().components.schemas);
    expect(names.length).toBeGreaterThan(5);
    for (const name of names) expect(() => ajv.compile(componentSchema(name))).not.toThrow();
    expect(() => ajv.compile({ type: 'object', required: 'nope' })).toThrow(/schema is invalid/);
  });

  it('the built dist/openapi.json is openapi.yaml, and says which text it was made from', () => {
    const text = readFileSync(findContractFile(), 'utf8');
    const built = JSON.parse(readFileSync(compiledContractFile(), 'utf8')) as {
      sha256: string;
      document: unknown;
    };
    expect(built.sha256).toBe(contractHash(text));
    expect(built.document).toEqual(parse(text));
    expect(contractHash(text + ' ')).not.toBe(built.sha256);
  });

  it('loads the built JSON only when it was made from exactly the YAML beside it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'contract-'));
    const yamlFile = join(dir, 'openapi.yaml');
    const jsonFile = join(dir, 'openapi.json');
    const text = 'openapi: 3.1.0\ninfo: { title: from yaml, version: "1" }\n';
    await writeFile(yamlFile, text);
    const fromJson = { openapi: '3.1.0', info: { title: 'from json' } };
    await writeFile(jsonFile, JSON.stringify({ sha256: contractHash(text), document: fromJson }));
    expect(loadContract(yamlFile, jsonFile)).toEqual(fromJson);
    // Another file (so not cached), same JSON, whose hash no longer matches: the YAML is parsed.
    const edited = join(dir, 'edited.yaml');
    await writeFile(edited, text.replace('from yaml', 'edited'));
    expect(loadContract(edited, jsonFile)).toMatchObject({ info: { title: 'edited' } });
  });

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
