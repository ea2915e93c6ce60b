/**
 * OFFLINE_FAULTS: the first N calls of a provider fail with a transient error,
 * so retries by redelivery can be exercised end to end against a real process.
 */
import { TransientError } from '../../pipeline/pipeline.js';
import type { Providers } from '../providers.js';

type Fn = (...args: never[]) => Promise<unknown>;

function failing<T extends object>(name: string, target: T, count: number): T {
  let left = count;
  return new Proxy(target, {
    get(obj, prop, receiver) {
      const value = Reflect.get(obj, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: never[]) => {
        if (left > 0) {
          left--;
          return Promise.reject(
            new TransientError(
              'injected_fault',
              `OFFLINE_FAULTS: ${name} failed on purpose (${count - left} of ${count})`,
            ),
          );
        }
        return (value as Fn).apply(obj, args);
      };
    },
  });
}

export function withFaults(
  providers: Providers,
  faults: Readonly<Record<string, number>>,
): Providers {
  const out = { ...providers };
  for (const [name, count] of Object.entries(faults)) {
    const key = name as keyof Providers;
    if (count > 0 && key in out)
      (out as Record<keyof Providers, object>)[key] = failing(name, out[key], count);
  }
  return out;
}
