/**
 * `npm run bench` (not a test): the service against a bare Fastify floor, in the same run, interleaved,
 * medians. Prints a table and writes bench-results.json. What it measures so far:
 *   - throughput and p50/p99 at 50 connections: reject path (422), duplicate path (200), full text
 *     pipeline with the offline writer (no media), each as a ratio to the floor;
 *   - cold start: spawn of the compiled service to the first 200 from /health/ready (Postgres already
 *     up), against the floor's spawn to first 200, median of 5;
 *   - RSS idle and after the load.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { pino } from 'pino';
import { startEmbeddedPostgres } from '../src/db/embedded-postgres.js';
import { freePort } from '../test/support/free-port.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const scratch = mkdtempSync(join(tmpdir(), 'content-worker-bench-'));
chmodSync(scratch, 0o755);
const pg = await startEmbeddedPostgres({
  dataDir: scratch,
  port: await freePort(),
  database: 'bench',
  logger: pino({ level: 'warn' }),
});
execFileSync('npm', ['run', 'build'], { stdio: 'ignore' });

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rssMb = (pid: number) =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

async function start(
  kind: 'service' | 'floor',
  readyPath: string,
): Promise<{ proc: ChildProcess; port: number; ms: number }> {
  const port = await freePort();
  const started = performance.now();
  const args = kind === 'service' ? ['dist/src/main.js'] : ['scripts/bench-floor.mjs'];
  const proc = spawn(process.execPath, args, {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: pg.url,
      DATA_DIR: scratch,
      LOG_LEVEL: 'warn',
      MAX_EVENT_LOOP_DELAY_MS: '0',
      MAX_CONCURRENT_DELIVERIES: '1000',
      METADATA_SERVER_DETECTION: 'none',
    },
    stdio: 'ignore',
  });
  for (;;) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}${readyPath}`)).status === 200) break;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  return { proc, port, ms: performance.now() - started };
}

const stop = (p: ChildProcess) =>
  new Promise<void>((r) => (p.once('exit', () => r()), p.kill('SIGTERM')));

function envelope(payload: unknown) {
  return JSON.stringify({
    message: {
      data: Buffer.from(JSON.stringify(payload)).toString('base64'),
      messageId: randomUUID(),
    },
    subscription: 'bench',
  });
}
const request = (id = randomUUID()) => ({
  request_id: id,
  student_id: 'bench',
  student_query: 'Why does a basketball bounce higher on a hard floor?',
  grade_level: 6,
  interest: 'basketball',
  modality: 'text',
});

async function load(port: number, body: () => string, expectStatus: number) {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}/pubsub/push`,
    connections: 50,
    duration: SECONDS,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    requests: [{ setupRequest: (req) => ({ ...req, body: body() }) }],
  });
  const ok = result['2xx'] + (expectStatus === 422 ? result['4xx'] : 0);
  if (result.non2xx > 0 && expectStatus === 200)
    throw new Error(`unexpected non-2xx answers: ${result.non2xx}`);
  return { rps: ok / SECONDS, p50: result.latency.p50, p99: result.latency.p99 };
}

// Cold start, median of 5 each, interleaved.
const cold = { service: [] as number[], floor: [] as number[] };
for (let i = 0; i < 5; i++) {
  const s = await start('service', '/health/ready');
  cold.service.push(s.ms);
  await stop(s.proc);
  const f = await start('floor', '/health');
  cold.floor.push(f.ms);
  await stop(f.proc);
}

const service = await start('service', '/health/ready');
const floor = await start('floor', '/health');
await new Promise((r) => setTimeout(r, 1000));
const idleRss = rssMb(service.proc.pid!);

const finished = request();
await fetch(`http://127.0.0.1:${service.port}/pubsub/push`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: envelope(finished),
});
const paths = {
  reject: { body: () => envelope({ ...request(), request_id: 'not-a-uuid' }), status: 422 },
  duplicate: { body: () => envelope(finished), status: 200 },
  'text pipeline': { body: () => envelope(request()), status: 200 },
};
const samples: Record<
  string,
  {
    service: { rps: number; p50: number; p99: number }[];
    floor: { rps: number; p50: number; p99: number }[];
  }
> = {};
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, path] of Object.entries(paths)) {
    samples[name] ??= { service: [], floor: [] };
    samples[name].floor.push(await load(floor.port, () => envelope(request()), 200));
    samples[name].service.push(await load(service.port, path.body, path.status));
  }
}
const loadedRss = rssMb(service.proc.pid!);

const report: Record<string, unknown> = {};
console.log(
  `\n${'path'.padEnd(14)} ${'req/s'.padStart(8)} ${'floor'.padStart(8)} ${'ratio'.padStart(6)} ${'p99 ms'.padStart(7)} ${'floor p99'.padStart(9)}`,
);
for (const [name, s] of Object.entries(samples)) {
  const rps = median(s.service.map((x) => x.rps));
  const floorRps = median(s.floor.map((x) => x.rps));
  const p99 = median(s.service.map((x) => x.p99));
  const floorP99 = median(s.floor.map((x) => x.p99));
  console.log(
    `${name.padEnd(14)} ${rps.toFixed(0).padStart(8)} ${floorRps.toFixed(0).padStart(8)} ${(rps / floorRps).toFixed(2).padStart(6)} ${p99.toFixed(0).padStart(7)} ${floorP99.toFixed(0).padStart(9)}`,
  );
  report[name] = {
    rps,
    floor_rps: floorRps,
    ratio: rps / floorRps,
    p50_ms: median(s.service.map((x) => x.p50)),
    p99_ms: p99,
    floor_p99_ms: floorP99,
  };
}
const coldService = median(cold.service);
const coldFloor = median(cold.floor);
console.log(
  `\ncold start (spawn → first 200): service ${coldService.toFixed(0)} ms, floor ${coldFloor.toFixed(0)} ms, ratio ${(coldService / coldFloor).toFixed(2)}`,
);
console.log(`RSS: idle ${idleRss.toFixed(0)} MB, after the load ${loadedRss.toFixed(0)} MB`);
report.cold_start = {
  service_ms: coldService,
  floor_ms: coldFloor,
  ratio: coldService / coldFloor,
};
report.rss_mb = { idle: idleRss, after_load: loadedRss };
writeFileSync('bench-results.json', JSON.stringify(report, null, 2) + '\n');
console.log('\nwrote bench-results.json');

await stop(service.proc);
await stop(floor.proc);
await pg.stop();
rmSync(scratch, { recursive: true, force: true });
