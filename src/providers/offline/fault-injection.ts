/**
 * OFFLINE_FAULTS: the first N calls of a provider fail with a transient error,
 * so retries by redelivery can be exercised end to end against a real process.
 * OFFLINE_DELAYS: every call of a provider waits first, to hold deliveries open (benchmarks, shedding).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { TransientError } from '../../pipeline/pipeline.js';
import { aroundCalls } from '../around-calls.js';
import type { Providers } from '../providers.js';

type PerProvider = Readonly<Record<string, number>>;

const named = (numbers: PerProvider) => Object.keys(numbers).filter((name) => numbers[name]! > 0);

export function withFaults(providers: Providers, faults: PerProvider): Providers {
  const left: Record<string, number> = { ...faults };
  return aroundCalls(
    providers,
    (provider, call) => {
      if (left[provider]! <= 0) return call();
      left[provider]!--;
      const count = faults[provider]!;
      return Promise.reject(
        new TransientError(
          'injected_fault',
          `OFFLINE_FAULTS: ${provider} failed on purpose (${count - left[provider]!} of ${count})`,
        ),
      );
    },
    named(faults),
  );
}

export function withDelays(providers: Providers, delays: PerProvider): Providers {
  return aroundCalls(
    providers,
    async (provider, call, args) => {
      // Every provider method takes the stage's signal as an argument.
      const signal = args.find((a): a is AbortSignal => a instanceof AbortSignal);
      // Rejects with the signal's own reason (a deadline, a lost lease), as a provider honouring it would.
      await sleep(delays[provider]!, undefined, { signal }).catch((err: unknown) => {
        throw signal?.aborted ? signal.reason : err;
      });
      return call();
    },
    named(delays),
  );
}
