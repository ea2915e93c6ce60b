// Part of `npm run build`, after tsc: openapi.yaml as dist/openapi.json, with the hash of the text it was made
// from, so the service starts without parsing YAML (src/contract/openapi.ts uses it only when the hash matches).
import { readFileSync, writeFileSync } from 'node:fs';
import { parse } from 'yaml';
import {
  compiledContractFile,
  contractHash,
  findContractFile,
} from '../dist/src/contract/openapi.js';

const text = readFileSync(findContractFile(), 'utf8');
writeFileSync(
  compiledContractFile(),
  JSON.stringify({ sha256: contractHash(text), document: parse(text) }),
);
