/** The processes `npm run bench` measures: the compiled service and the bare-Fastify floor, started as the tests do. */
import { readFileSync } from 'node:fs';
import { freePort } from '../../test/support/free-port.js';
import {
  serviceCommand,
  startService,
  type ServiceProcess,
} from '../../test/support/service-process.js';

export interface Started extends ServiceProcess {
  /** Spawn to the first 200 from /health/ready. */
  ms: number;
}

export async function startProcess(
  kind: 'service' | 'floor',
  env: Record<string, string>,
): Promise<Started> {
  const port = await freePort();
  const started = performance.now();
  const service = await startService({
    env,
    port,
    command: kind === 'service' ? serviceCommand() : ['node', 'scripts/bench/floor.mjs'],
    pollMs: 5,
    output: 'ignore',
  });
  return { ...service, ms: performance.now() - started };
}

export async function stopProcess(p: ServiceProcess): Promise<void> {
  p.proc.kill('SIGTERM');
  await p.exited;
}

export const rssMb = (pid: number): number =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

export const median = (xs: readonly number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

export async function push(port: number, body: string): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}/pubsub/push`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  await res.arrayBuffer();
  return res.status;
}
