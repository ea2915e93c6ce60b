/**
 * Runs `around` instead of every method call of every provider (the test aids in offline/fault-injection.ts,
 * the benchmark's provider clock). `call` runs the real method with the same arguments.
 */
import type { Providers } from './providers.js';

export type Around = (
  provider: keyof Providers,
  call: () => Promise<unknown>,
  args: readonly unknown[],
) => Promise<unknown>;

function aroundMethods<T extends object>(provider: keyof Providers, target: T, around: Around): T {
  return new Proxy(target, {
    get(obj, prop, receiver) {
      const value = Reflect.get(obj, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) =>
        around(
          provider,
          () => (value as (...a: unknown[]) => Promise<unknown>).apply(obj, args),
          args,
        );
    },
  });
}

/** The providers named in `only` (all when absent) with their calls routed through `around`. */
export function aroundCalls(
  providers: Providers,
  around: Around,
  only: readonly string[] = Object.keys(providers),
): Providers {
  const out = { ...providers };
  for (const name of only) {
    const key = name as keyof Providers;
    if (key in out)
      (out as Record<keyof Providers, object>)[key] = aroundMethods(key, out[key], around);
  }
  return out;
}
