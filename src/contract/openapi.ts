/**
 * Loads openapi.yaml, the single source of the HTTP contract, and turns its
 * component schemas into plain JSON Schemas (refs inlined) that ajv and
 * Fastify use as they are.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { packageFile } from '../config/package-root.js';

export type JsonSchema = { [key: string]: unknown };

export interface OpenApiDocument {
  paths: Record<string, Record<string, { operationId?: string }>>;
  components: { schemas: Record<string, JsonSchema> };
}

export const HTTP_METHODS = [
  'get',
  'put',
  'post',
  'delete',
  'options',
  'head',
  'patch',
  'trace',
] as const;

export const findContractFile = (): string => packageFile('openapi.yaml');

const loaded = new Map<string, OpenApiDocument>();

/** Written by `npm run build` (scripts/contract-json.mjs): the contract as JSON, with the hash of its source. */
export const compiledContractFile = (): string => packageFile('dist', 'openapi.json');

const requireYaml = () => createRequire(import.meta.url)('yaml') as typeof import('yaml');

export const contractHash = (text: string): string =>
  createHash('sha256').update(text).digest('hex');

/** The built JSON of the contract, when it was made from exactly this text: an edited openapi.yaml always wins. */
function builtFrom(text: string, compiled: string): OpenApiDocument | undefined {
  if (!existsSync(compiled)) return undefined;
  const built = JSON.parse(readFileSync(compiled, 'utf8')) as {
    sha256: string;
    document: OpenApiDocument;
  };
  return built.sha256 === contractHash(text) ? built.document : undefined;
}

export function loadContract(
  file = findContractFile(),
  compiled = compiledContractFile(),
): OpenApiDocument {
  let doc = loaded.get(file);
  if (!doc) {
    const text = readFileSync(file, 'utf8');
    // Parsing YAML (and loading the parser) was a tenth of the cold start: it happens only without a current build.
    doc = builtFrom(text, compiled) ?? (requireYaml().parse(text) as OpenApiDocument);
    loaded.set(file, doc);
  }
  return doc;
}

const REF_PREFIX = '#/components/schemas/';

/** Returns the named component schema with every $ref replaced by its target (the contract has no recursive schemas). */
export function componentSchema(name: string, doc: OpenApiDocument = loadContract()): JsonSchema {
  const inline = (node: unknown, seen: readonly string[]): unknown => {
    if (Array.isArray(node)) return node.map((item) => inline(item, seen));
    if (node === null || typeof node !== 'object') return node;
    const obj = node as JsonSchema;
    const ref = obj.$ref;
    if (typeof ref === 'string') {
      if (!ref.startsWith(REF_PREFIX)) throw new Error(`contract_ref: unsupported $ref ${ref}`);
      const target = ref.slice(REF_PREFIX.length);
      if (seen.includes(target)) throw new Error(`contract_ref: recursive schema ${target}`);
      const { $ref: _ignored, ...siblings } = obj;
      const resolved = inline(lookup(target), [...seen, target]) as JsonSchema;
      return Object.keys(siblings).length === 0
        ? resolved
        : { ...resolved, ...(inline(siblings, seen) as JsonSchema) };
    }
    return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, inline(v, seen)]));
  };
  const lookup = (target: string): JsonSchema => {
    const schema = doc.components.schemas[target];
    if (!schema) throw new Error(`contract_ref: no schema named ${target} in openapi.yaml`);
    return schema;
  };
  return inline(lookup(name), [name]) as JsonSchema;
}

/** Every `METHOD /path` the contract declares, with Fastify's `:param` syntax. */
export function contractRoutes(doc: OpenApiDocument = loadContract()): string[] {
  const routes: string[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of HTTP_METHODS) {
      if (item[method])
        routes.push(`${method.toUpperCase()} ${path.replace(/\{([^}]+)\}/g, ':$1')}`);
    }
  }
  return routes.sort();
}

/** Routes only in the code, and only in the contract; both empty when they agree. */
export function routeDrift(
  registered: readonly string[],
  declared: readonly string[] = contractRoutes(),
): { onlyInCode: string[]; onlyInContract: string[] } {
  return {
    onlyInCode: registered.filter((r) => !declared.includes(r)).sort(),
    onlyInContract: declared.filter((r) => !registered.includes(r)).sort(),
  };
}
