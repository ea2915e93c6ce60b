/** Throughput and latency at 50 connections (autocannon), one path against one process. */
import autocannon from 'autocannon';

export interface LoadSample {
  rps: number;
  p50: number;
  p99: number;
}

export async function load(
  port: number,
  body: () => string,
  expectStatus: 200 | 422,
  seconds: number,
): Promise<LoadSample> {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}/pubsub/push`,
    connections: 50,
    duration: seconds,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    requests: [{ setupRequest: (req) => ({ ...req, body: body() }) }],
  });
  const expected = expectStatus === 200 ? result['2xx'] : result['4xx'];
  const other = result['2xx'] + result['4xx'] + result['5xx'] + result.errors - expected;
  // A path that answers anything but its own status is not the path being measured.
  if (other > expected / 100)
    throw new Error(
      `bench: expected ${expectStatus} answers, got 2xx ${result['2xx']}, 4xx ${result['4xx']}, 5xx ${result['5xx']}, errors ${result.errors}`,
    );
  return { rps: expected / seconds, p50: result.latency.p50, p99: result.latency.p99 };
}
