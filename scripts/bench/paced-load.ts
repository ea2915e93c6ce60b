/**
 * Latency at a given offered load: requests sent on a fixed schedule over 50 keep-alive connections, each timed
 * from the moment the schedule said to send it (a request that waits for a free connection counts its wait).
 * autocannon's own rate limit sends each second's quota at once and then idles, which measures bursts.
 */
import { connect, type Socket } from 'node:net';

export interface PacedSample {
  rps: number;
  p50: number;
  p99: number;
}

const CONNECTIONS = 50;
// Both ends' JIT and connection set-up: not timed.
const WARM_UP_MS = 1000;

export async function pacedLoad(
  port: number,
  body: () => string,
  expectStatus: number,
  rate: number,
  seconds: number,
): Promise<PacedSample> {
  const latencies: number[] = [];
  let wrongStatus = 0;
  const waiting: number[] = []; // scheduled send times of requests no connection was free for
  const idle: Connection[] = [];

  interface Connection {
    socket: Socket;
    scheduledAt: number;
    buffered: Buffer;
  }

  const send = (c: Connection, scheduledAt: number) => {
    c.scheduledAt = scheduledAt;
    const payload = body();
    c.socket.write(
      `POST /pubsub/push HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(payload)}\r\n\r\n${payload}`,
    );
  };
  const free = (c: Connection) => {
    const next = waiting.shift();
    if (next === undefined) idle.push(c);
    else send(c, next);
  };

  const connections = await Promise.all(
    Array.from(
      { length: CONNECTIONS },
      () =>
        new Promise<Connection>((resolve, reject) => {
          const socket = connect(port, '127.0.0.1', () => resolve(c));
          socket.setNoDelay(true);
          const c: Connection = { socket, scheduledAt: 0, buffered: Buffer.alloc(0) };
          socket.once('error', reject);
          socket.on('data', (chunk: Buffer) => {
            c.buffered = c.buffered.length === 0 ? chunk : Buffer.concat([c.buffered, chunk]);
            const headEnd = c.buffered.indexOf('\r\n\r\n');
            if (headEnd < 0) return;
            const head = c.buffered.subarray(0, headEnd).toString('latin1');
            const length = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0);
            if (c.buffered.length < headEnd + 4 + length) return;
            c.buffered = c.buffered.subarray(headEnd + 4 + length);
            if (Number(head.slice(9, 12)) !== expectStatus) wrongStatus++;
            else if (c.scheduledAt >= start + WARM_UP_MS)
              latencies.push(performance.now() - c.scheduledAt);
            free(c);
          });
        }),
    ),
  );
  idle.push(...connections);

  let start = Infinity;
  start = performance.now();
  let scheduled = 0;
  const runMs = WARM_UP_MS + seconds * 1000;
  await new Promise<void>((resolve) => {
    const tick = setInterval(() => {
      const elapsed = performance.now() - start;
      if (elapsed >= runMs) {
        clearInterval(tick);
        resolve();
        return;
      }
      // Every request whose time has come, each stamped with its own scheduled time.
      const due = Math.floor((elapsed * rate) / 1000);
      for (; scheduled < due; scheduled++) {
        const at = start + (scheduled * 1000) / rate;
        const c = idle.pop();
        if (c) send(c, at);
        else waiting.push(at);
      }
    }, 1);
  });
  // Let the requests in flight finish before closing.
  while (idle.length < CONNECTIONS && performance.now() - start < runMs + 5000)
    await new Promise((r) => setTimeout(r, 5));
  for (const c of connections) c.socket.destroy();

  if (wrongStatus > latencies.length / 100)
    throw new Error(`bench: ${wrongStatus} answers were not ${expectStatus}`);
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    Math.round(
      (latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN) * 1000,
    ) / 1000;

  return { rps: latencies.length / seconds, p50: at(0.5), p99: at(0.99) };
}
