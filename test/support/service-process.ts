/** Runs the service as a separate process, as the README does, on free loopback ports. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { packageFile } from '../../src/config/package-root.js';
import { freePort } from './free-port.js';

/** What `npm start` runs (after its build), as [command, ...args]: the one place the service's flags are written. */
export function serviceCommand(): [string, ...string[]] {
  const { scripts } = JSON.parse(readFileSync(packageFile('package.json'), 'utf8')) as {
    scripts: { start: string };
  };
  return scripts.start.split(' ') as [string, ...string[]];
}

export interface ServiceProcess {
  port: number;
  proc: ChildProcess;
  stdout: string[];
  stderr: string[];
  url(path: string): string;
  exited: Promise<number | null>;
}

export async function startService(options: {
  env: Record<string, string>;
  command?: [string, ...string[]];
  waitForReady?: boolean;
  port?: number;
  /** How often readiness is polled: the benchmark times cold starts to a few ms. */
  pollMs?: number;
  /** 'ignore' leaves stdout and stderr unread (a benchmark under load would spend its CPU collecting lines). */
  output?: 'capture' | 'ignore';
}): Promise<ServiceProcess> {
  const port = options.port ?? (await freePort());
  const [cmd, ...args] = options.command ?? serviceCommand();
  const proc = spawn(cmd, args, {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      METADATA_SERVER_DETECTION: 'none',
      // No event-loop shedding on a busy CI machine (tested on its own in test/security).
      MAX_EVENT_LOOP_DELAY_MS: '0',
      PORT: String(port),
      HOST: '127.0.0.1',
      ...options.env,
    },
    stdio: options.output === 'ignore' ? 'ignore' : ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  proc.stdout?.on('data', (c: Buffer) => stdout.push(...c.toString().split('\n').filter(Boolean)));
  proc.stderr?.on('data', (c: Buffer) => stderr.push(...c.toString().split('\n').filter(Boolean)));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  const service: ServiceProcess = {
    port,
    proc,
    stdout,
    stderr,
    url: (p) => `http://127.0.0.1:${port}${p}`,
    exited,
  };
  if (options.waitForReady !== false) {
    const deadline = Date.now() + 90_000;
    for (;;) {
      if (proc.exitCode !== null)
        throw new Error(
          `service exited with ${proc.exitCode}: ${stderr.join('\n')}\n${stdout.join('\n')}`,
        );
      try {
        const res = await fetch(service.url('/health/ready'));
        if (res.status === 200) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline)
        throw new Error('service did not become ready: ' + stdout.slice(-10).join('\n'));
      await new Promise((r) => setTimeout(r, options.pollMs ?? 200));
    }
  }
  return service;
}
