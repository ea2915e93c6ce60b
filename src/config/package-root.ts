/** The package's root (where package.json, openapi.yaml and data/ live), found from src/ (tsx) and dist/src/ (compiled) alike. */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

export function packageRoot(): string {
  if (root) return root;
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'openapi.yaml')) && existsSync(join(dir, 'package.json')))
      return (root = dir);
    if (dirname(dir) === dir)
      throw new Error(`package_root_missing: no package.json with openapi.yaml above ${start}`);
  }
}

export const packageFile = (...parts: string[]): string => join(packageRoot(), ...parts);
