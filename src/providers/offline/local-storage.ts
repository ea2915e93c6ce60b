/** Offline object storage: files under STORAGE_DIR, addressed by file:// URIs. */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ObjectStorage } from '../object-storage.js';

export function createLocalStorage(root: string): ObjectStorage {
  const base = resolve(root);
  const pathOf = (name: string): string => {
    const path = resolve(base, name);
    if (!path.startsWith(base + sep))
      throw new Error(`storage_name_invalid: ${name} leaves the storage directory`);
    return path;
  };
  return {
    async put(name, data, _contentType, signal) {
      signal.throwIfAborted();
      const path = pathOf(name);
      await mkdir(dirname(path), { recursive: true });
      // Write then rename: a reader never sees half a file, and a retry simply overwrites.
      const temp = `${path}.${process.pid}.tmp`;
      await writeFile(temp, data, { signal });
      await rename(temp, path);
      return pathToFileURL(path).href;
    },
    async get(uri, signal) {
      const path = fileURLToPath(uri);
      if (!path.startsWith(base + sep))
        throw new Error(`storage_uri_invalid: ${uri} is not in the storage directory`);
      return readFile(path, { signal });
    },
  };
}
