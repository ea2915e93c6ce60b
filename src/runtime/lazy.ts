/** Memoises an async factory: the first call builds, later calls share it (a failed build is retried). Keeps cold starts free of what no request has needed yet. */
export function lazy<T>(build: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () =>
    (value ??= build().catch((err: unknown) => ((value = undefined), Promise.reject(err))));
}
