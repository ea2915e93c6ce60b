/**
 * OFFLINE_FAULTS: the first N calls of a provider fail with a transient error,
 * so retries by redelivery can be exercised end to end against a real process.
 * OFFLINE_DELAYS: every call of a provider waits first, to hold deliveries open (benchmarks, shedding).
 */
import { setTimeout as sleep } from 'node:timers/promises';
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

/** The stage's AbortSignal, wherever the provider method takes it: an argument, or `{ signal }` in one. */
function signalIn(args: readonly unknown[]): AbortSignal | undefined {
  for (const arg of args) {
    if (arg instanceof AbortSignal) return arg;
    const signal = (arg as { signal?: unknown } | null)?.signal;
    if (signal instanceof AbortSignal) return signal;
  }
  return undefined;
}

function slowed<T extends object>(target: T, ms: number): T {
  return new Proxy(target, {
    get(obj, prop, receiver) {
      const value = Reflect.get(obj, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return async (...args: never[]) => {
        const signal = signalIn(args);
        // Rejects with the signal's own reason (a deadline, a lost lease), as a provider honouring it would.
        await sleep(ms, undefined, { signal }).catch((err: unknown) => {
          throw signal?.aborted ? signal.reason : err;
        });
        return (value as Fn).apply(obj, args);
      };
    },
  });
}

/** Wraps each named provider whose number is above zero. */
function wrapEach(
  providers: Providers,
  numbers: Readonly<Record<string, number>>,
  wrap: (name: string, target: object, n: number) => object,
): Providers {
  const out = { ...providers };
  for (const [name, n] of Object.entries(numbers)) {
    const key = name as keyof Providers;
    if (n > 0 && key in out)
      (out as Record<keyof Providers, object>)[key] = wrap(name, out[key], n);
  }
  return out;
}

export function withDelays(
  providers: Providers,
  delays: Readonly<Record<string, number>>,
): Providers {
  return wrapEach(providers, delays, (_name, target, ms) => slowed(target, ms));
}

export function withFaults(
  providers: Providers,
  faults: Readonly<Record<string, number>>,
): Providers {
  return wrapEach(providers, faults, failing);
}
