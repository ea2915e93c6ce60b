/** The processes `npm run bench` measures: the compiled service and the bare-Fastify floor, spawned as a user would. */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { freePort } from '../../test/support/free-port.js';

export interface Started {
  proc: ChildProcess;
  port: number;
  /** Spawn to the first 200 from the ready path. */
  ms: number;
}

export async function startProcess(
  kind: 'service' | 'floor',
  env: Record<string, string>,
): Promise<Started> {
  const port = await freePort();
  const started = performance.now();
  const script = kind === 'service' ? 'dist/src/main.js' : 'scripts/bench/floor.mjs';
  const proc = spawn(process.execPath, [script], {
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  let exited = false;
  proc.once('exit', () => (exited = true));
  const readyPath = kind === 'service' ? '/health/ready' : '/health';
  for (;;) {
    if (exited) throw new Error(`bench: the ${kind} process exited before it was ready`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}${readyPath}`)).status === 200) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  return { proc, port, ms: performance.now() - started };
}

export const stopProcess = (p: ChildProcess): Promise<void> =>
  new Promise<void>((resolve) => {
    if (p.exitCode !== null) return resolve();
    p.once('exit', () => resolve());
    p.kill('SIGTERM');
  });

export const rssMb = (pid: number): number =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

export const median = (xs: readonly number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

export function contentRequest(modality: 'text' | 'video' = 'text', id = randomUUID()) {
  return {
    request_id: id,
    student_id: 'bench',
    student_query: 'Why does a basketball bounce higher on a hard floor than on grass?',
    grade_level: 6,
    interest: 'basketball',
    modality,
  };
}

export function envelope(payload: unknown): string {
  return JSON.stringify({
    message: {
      data: Buffer.from(JSON.stringify(payload)).toString('base64'),
      messageId: randomUUID(),
    },
    subscription: 'projects/bench/subscriptions/bench',
  });
}

export async function push(port: number, body: string): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}/pubsub/push`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  await res.arrayBuffer();
  return res.status;
}
