/** Artifacts in Cloud Storage: `gs://BUCKET/requests/{id}/…`, with content types; a retry overwrites. */
import type { Storage } from '@google-cloud/storage';
import type { ObjectStorage } from '../object-storage.js';
import { TransientError } from '../../pipeline/pipeline.js';

export function parseGsUri(uri: string): { bucket: string; name: string } {
  const match = /^gs:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (!match) throw new Error(`storage_uri_invalid: ${uri} is not gs://bucket/object`);
  return { bucket: match[1]!, name: match[2]! };
}

const wrap = (what: string, err: unknown) =>
  new TransientError(
    'storage_unavailable',
    `Cloud Storage ${what} failed: ${String((err as Error)?.message ?? err).slice(0, 200)}`,
    { cause: err },
  );

export function createCloudStorage(options: {
  storage: () => Promise<Storage>;
  bucket: string;
}): ObjectStorage {
  return {
    async put(name, data, contentType, signal) {
      signal.throwIfAborted();
      const storage = await options.storage();
      try {
        await storage
          .bucket(options.bucket)
          .file(name)
          .save(data, { resumable: false, contentType, metadata: { contentType } });
      } catch (err) {
        throw wrap(`upload of ${name}`, err);
      }
      return `gs://${options.bucket}/${name}`;
    },
    async get(uri, signal) {
      signal.throwIfAborted();
      const { bucket, name } = parseGsUri(uri);
      const storage = await options.storage();
      try {
        const [contents] = await storage.bucket(bucket).file(name).download();
        return contents;
      } catch (err) {
        throw wrap(`download of ${uri}`, err);
      }
    },
  };
}
