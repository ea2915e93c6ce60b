/**
 * `npm run bench:gc` (not a test): what V8's young-generation collections do on the reject path after a few
 * seconds of text pipelines, with the service started as `npm start` starts it (with
 * `--no-allocation-site-pretenuring`) and without that flag. Prints, per variant, the bytes the scavenges
 * promoted to old space, their pause, and the reject path's p99 at a fixed rate. The effect it looks for comes
 * in most runs, not all: run it a few times (README, Performance, has five).
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { contentRequest, envelope } from '../test/support/envelope.js';
import { serviceCommand, startService } from '../test/support/service-process.js';
import { load } from './bench/http-load.js';
import { pacedLoad } from './bench/paced-load.js';
import { median, stopProcess } from './bench/processes.js';
import { startScratchPostgres } from './bench/scratch-postgres.js';

const RATE = Number(process.env.BENCH_GC_RATE ?? 10_000);
const FLAG = '--no-allocation-site-pretenuring';

execFileSync('npm', ['run', 'build'], { stdio: 'ignore' });
const [node, ...args] = serviceCommand();
if (!args.includes(FLAG)) throw new Error(`bench:gc: npm start no longer passes ${FLAG}`);
const variants: Record<string, string[]> = {
  [`as npm start (${FLAG})`]: args,
  [`without ${FLAG}`]: args.filter((a) => a !== FLAG),
};
const body = (payload: unknown) => JSON.stringify(envelope(payload));
const rejectBody = body(contentRequest({ request_id: 'not-a-uuid' }));

for (const [name, variantArgs] of Object.entries(variants)) {
  // Each variant on a fresh database: the same start, whichever runs first.
  const pg = await startScratchPostgres('bench_gc');
  const scratch = pg.dir;
  const service = await startService({
    command: [node, '--trace-gc-nvp', ...variantArgs],
    env: {
      DATABASE_URL: pg.url,
      DATA_DIR: scratch,
      STORAGE_DIR: join(scratch, 'storage'),
      // As in production: every delivery writes its outcome line (collected with V8's trace, and skipped).
      LOG_LEVEL: 'info',
      MAX_CONCURRENT_DELIVERIES: '1000',
    },
    pollMs: 5,
  });
  await load(service.port, () => body(contentRequest()), 200, 5);
  const from = service.stdout.length;
  const sample = await pacedLoad(service.port, () => rejectBody, 422, RATE, 5);
  const scavenges = service.stdout
    .slice(from)
    .map((line) => / pause=([\d.]+) .* gc=s .* promoted=(\d+)/.exec(line))
    // V8 and the log write to the same stdout: a line they interleaved is skipped.
    .filter((match) => match !== null)
    .map((match) => ({ pause: Number(match[1]), promoted: Number(match[2]) }));
  await stopProcess(service);
  await pg.stop();
  const promotedKb = median(scavenges.map((x) => x.promoted)) / 1024;
  const totalMb = scavenges.reduce((sum, x) => sum + x.promoted, 0) / 1048576;
  const pauseMs = median(scavenges.map((x) => x.pause));
  console.log(
    `${name.padEnd(52)} ${scavenges.length} scavenges on the reject path: promoted ${promotedKb.toFixed(0)} KB ` +
      `(median; ${totalMb.toFixed(1)} MB in all), paused ${pauseMs.toFixed(2)} ms (median); ` +
      `p99 ${sample.p99} ms at ${RATE} req/s`,
  );
}
