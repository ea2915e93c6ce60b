// Part of `npm run build`: openapi.yaml as dist/openapi.json, with the hash of the text it was made from, so the
// service starts without parsing YAML (src/contract/openapi.ts uses it only when the hash matches).
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { parse } from 'yaml';

const text = readFileSync('openapi.yaml', 'utf8');
mkdirSync('dist', { recursive: true });
writeFileSync(
  'dist/openapi.json',
  JSON.stringify({
    sha256: createHash('sha256').update(text).digest('hex'),
    document: parse(text),
  }),
);
