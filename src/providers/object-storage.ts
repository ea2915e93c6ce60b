/** Capability: artifact storage. Names are deterministic (`requests/{id}/...`), so a retry overwrites. */
export interface ObjectStorage {
  /** Stores the bytes under `name` and returns the object's URI (file://… or gs://…). */
  put(name: string, data: Buffer, contentType: string, signal: AbortSignal): Promise<string>;
  get(uri: string, signal: AbortSignal): Promise<Buffer>;
}
