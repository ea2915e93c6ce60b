/** One path against one process flat out at 50 connections (autocannon): throughput, and latency at saturation. */
import autocannon from 'autocannon';

export interface LoadSample {
  rps: number;
  /** Milliseconds, to the microsecond: autocannon's own histogram keeps whole milliseconds, and counts only 2xx. */
  p50: number;
  p99: number;
}

export async function load(
  port: number,
  body: () => string,
  expectStatus: 200 | 422,
  seconds: number,
): Promise<LoadSample> {
  const latencies: number[] = [];
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const run = autocannon(
      {
        url: `http://127.0.0.1:${port}/pubsub/push`,
        connections: 50,
        duration: seconds,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        requests: [{ setupRequest: (req) => ({ ...req, body: body() }) }],
      },
      (err, res) => (err ? reject(err) : resolve(res)),
    );
    run.on('response', (_client, statusCode: number, _bytes, ms: number) => {
      if (statusCode === expectStatus) latencies.push(ms);
    });
  });
  const expected = expectStatus === 200 ? result['2xx'] : result['4xx'];
  const other = result['2xx'] + result['4xx'] + result['5xx'] + result.errors - expected;
  // A path that answers anything but its own status is not the path being measured.
  if (other > expected / 100)
    throw new Error(
      `bench: expected ${expectStatus} answers, got 2xx ${result['2xx']}, 4xx ${result['4xx']}, 5xx ${result['5xx']}, errors ${result.errors}`,
    );
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    round3(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN);
  return { rps: expected / seconds, p50: at(0.5), p99: at(0.99) };
}

const round3 = (ms: number): number => Math.round(ms * 1000) / 1000;
