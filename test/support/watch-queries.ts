/** Calls `seen` with the text of every query a pool's clients send: one call is one round trip. */
import type pg from 'pg';

export function watchQueries(pool: pg.Pool, seen: (text: string) => void): void {
  pool.on('connect', (client) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as unknown as { query: typeof query }).query = (...args: unknown[]) => {
      const first = args[0] as string | { text: string };
      seen(typeof first === 'string' ? first : first.text);
      return query(...args);
    };
  });
}
