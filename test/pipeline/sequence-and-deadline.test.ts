import { describe, expect, it } from 'vitest';
import { withDeadline } from '../../src/pipeline/deadline.js';
import { TransientError } from '../../src/pipeline/pipeline.js';
import { progressAt, remainingStages, stagesFor } from '../../src/pipeline/sequence.js';

describe('stage sequencing', () => {
  it('runs narrate and render only for video', () => {
    expect(stagesFor('video')).toEqual([
      'understand',
      'retrieve',
      'script',
      'narrate',
      'render',
      'publish',
    ]);
    expect(stagesFor('text')).toEqual(['understand', 'retrieve', 'script', 'publish']);
  });

  it('resumes after the stages already checkpointed', () => {
    expect(remainingStages('video', new Set(['understand', 'retrieve', 'script']))).toEqual([
      'narrate',
      'render',
      'publish',
    ]);
    expect(remainingStages('text', new Set(['understand', 'narrate']))).toEqual([
      'retrieve',
      'script',
      'publish',
    ]);
  });

  it('advances progress with each stage, below 100 until the request completes', () => {
    expect(stagesFor('video').map((s) => progressAt(s, 'video'))).toEqual([0, 16, 33, 50, 66, 83]);
    expect(stagesFor('text').map((s) => progressAt(s, 'text'))).toEqual([0, 25, 50, 75]);
  });
});

describe('deadlines', () => {
  it('cuts off work that ignores its signal at the deadline, discarding the late result', async () => {
    let late = false;
    const started = performance.now();
    const run = withDeadline(
      'slow',
      150,
      new AbortController().signal,
      () => new Promise((r) => setTimeout(() => r((late = true)), 400)),
    );
    await expect(run).rejects.toBeInstanceOf(TransientError);
    await expect(run).rejects.toMatchObject({ code: 'stage_timeout' });
    expect(performance.now() - started).toBeLessThan(150 + 100);
    expect(late).toBe(false);
  });

  it('gives the work a signal that aborts at the deadline', async () => {
    let seen: AbortSignal | undefined;
    await expect(
      withDeadline(
        'x',
        50,
        new AbortController().signal,
        (signal) => ((seen = signal), new Promise(() => undefined)),
      ),
    ).rejects.toThrow(/ran past its 0.05 s timeout/);
    expect(seen?.aborted).toBe(true);
  });

  it('aborts with the parent (shutdown, lost lease) and passes its reason on', async () => {
    const parent = new AbortController();
    const run = withDeadline('x', 10_000, parent.signal, () => new Promise(() => undefined));
    parent.abort(new Error('lease lost'));
    await expect(run).rejects.toThrow('lease lost');
  });

  it('returns the result and errors of work that finishes in time', async () => {
    await expect(
      withDeadline('x', 1000, new AbortController().signal, async () => 42),
    ).resolves.toBe(42);
    await expect(
      withDeadline('x', 1000, new AbortController().signal, async () =>
        Promise.reject(new Error('boom')),
      ),
    ).rejects.toThrow('boom');
  });
});
