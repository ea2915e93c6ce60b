import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/config.js';
import { TransientError } from '../../src/pipeline/pipeline.js';
import type { Providers } from '../../src/providers/providers.js';
import { withDelays, withFaults } from '../../src/providers/offline/fault-injection.js';

function providers(): { providers: Providers; calls: string[] } {
  const calls: string[] = [];
  const corpus = {
    search: async () => {
      calls.push('search');
      return [];
    },
  };
  return { providers: { corpus } as unknown as Providers, calls };
}

describe('offline provider test aids', () => {
  it('OFFLINE_FAULTS: the first N calls fail transiently, then the provider answers', async () => {
    const { providers: p, calls } = providers();
    const flaky = withFaults(p, { corpus: 2 });
    const signal = new AbortController().signal;
    const search = () => flaky.corpus.search({ topic: 't', grade: 4, limit: 3 } as never, signal);
    await expect(search()).rejects.toBeInstanceOf(TransientError);
    await expect(search()).rejects.toThrow(/2 of 2/);
    await expect(search()).resolves.toEqual([]);
    expect(calls).toEqual(['search']);
  });

  it('OFFLINE_DELAYS: every call waits first, and the stage signal cuts the wait short', async () => {
    const { providers: p, calls } = providers();
    const slow = withDelays(p, { corpus: 150 });
    const started = performance.now();
    await slow.corpus.search({} as never, new AbortController().signal);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    expect(calls).toEqual(['search']);

    const aborted = new AbortController();
    const pending = slow.corpus.search({} as never, aborted.signal);
    aborted.abort(new Error('stage deadline'));
    await expect(pending).rejects.toThrow('stage deadline');
    expect(calls).toEqual(['search']);
  });

  it('both are parsed as provider=N and refused in production', () => {
    const ok = parseConfig({ OFFLINE_DELAYS: 'writer=2000, speech=10' });
    expect(ok.ok && ok.config.offlineDelays).toEqual({ writer: 2000, speech: 10 });
    const bad = parseConfig({ OFFLINE_DELAYS: 'writer=slow' });
    expect(!bad.ok && bad.errors[0]).toMatch(/OFFLINE_DELAYS: "writer=slow" is not provider=N/);
    const prod = parseConfig({
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://u:p@db/x',
      PUSH_AUTH_DISABLED: 'true',
      OFFLINE_DELAYS: 'writer=1',
    });
    expect(!prod.ok && prod.errors.join('\n')).toMatch(/OFFLINE_DELAYS is a test aid/);
  });
});
