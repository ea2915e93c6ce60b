import { describe, expect, it } from 'vitest';
import { linesPerTurn } from '../../src/logging/lines-per-turn.js';
import { createLogger } from '../../src/logging/logger.js';

function target() {
  const writes: string[] = [];
  return { writes, stream: { write: (chunk: string) => void writes.push(chunk) } };
}

const endOfTurn = () => new Promise((r) => setImmediate(r));

describe('log lines written a turn of the event loop at a time', () => {
  it('writes the lines of one turn in one write, in order, at the end of the turn', async () => {
    const { writes, stream } = target();
    const logger = createLogger('info', linesPerTurn(stream));
    logger.info({ n: 1 }, 'first');
    logger.warn({ n: 2 }, 'second');
    expect(writes).toEqual([]);
    await endOfTurn();
    expect(writes).toHaveLength(1);
    const lines = writes[0]!
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { n: number });
    expect(lines.map((l) => l.n)).toEqual([1, 2]);

    logger.info({ n: 3 }, 'next turn');
    await endOfTurn();
    expect(writes).toHaveLength(2);
    expect(writes[1]).toContain('"n":3');
  });

  it('flush() writes what is pending at once (the exit hook calls it), and nothing when there is none', () => {
    const { writes, stream } = target();
    const batched = linesPerTurn(stream);
    batched.write('{"a":1}\n');
    batched.flush();
    batched.flush();
    expect(writes).toEqual(['{"a":1}\n']);
  });

  it('does not hold more than 64 KiB: a turn that logs a lot writes as it goes', () => {
    const { writes, stream } = target();
    const batched = linesPerTurn(stream);
    const line = 'x'.repeat(1023) + '\n';
    for (let i = 0; i < 130; i++) batched.write(line);
    expect(writes).toHaveLength(2);
    expect(writes.every((w) => w.length === 64 * 1024)).toBe(true);
  });
});
