/**
 * Google's Pub/Sub emulator (installed with the Cloud CLI) on a free loopback
 * port. When it is absent the suites that need it say so loudly and are
 * skipped, unless REQUIRE_PUBSUB_EMULATOR=1 (CI), where absence is a failure.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './free-port.js';

export function findEmulator(): string | undefined {
  const candidates = [
    process.env.PUBSUB_EMULATOR_BIN,
    '/usr/lib/google-cloud-sdk/platform/pubsub-emulator/bin/cloud-pubsub-emulator',
  ];
  try {
    const root = execFileSync('gcloud', ['info', '--format=value(installation.sdk_root)'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 20_000,
    }).trim();
    if (root) candidates.push(join(root, 'platform/pubsub-emulator/bin/cloud-pubsub-emulator'));
  } catch {
    // no gcloud on this machine
  }
  return candidates.find((c): c is string => !!c && existsSync(c));
}

export const emulatorBinary = findEmulator();

if (!emulatorBinary) {
  const message =
    'Pub/Sub emulator NOT FOUND: the end-to-end suites are SKIPPED. Install the Google Cloud CLI with its pubsub-emulator component, or set PUBSUB_EMULATOR_BIN.';
  if (process.env.REQUIRE_PUBSUB_EMULATOR === '1')
    throw new Error(`${message} (REQUIRE_PUBSUB_EMULATOR=1: this is a failure)`);
  process.stderr.write(`\n*** ${message} ***\n\n`);
}

export interface Emulator {
  host: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export async function startEmulator(): Promise<Emulator> {
  if (!emulatorBinary) throw new Error('no Pub/Sub emulator');
  const port = await freePort();
  const child = spawn(emulatorBinary, [`--host=127.0.0.1`, `--port=${port}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`emulator did not start in 60 s: ${output.slice(-500)}`)),
      60_000,
    );
    const onData = (c: Buffer) => {
      output += c.toString();
      if (output.includes('Server started')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) =>
      reject(new Error(`emulator exited with ${code}: ${output.slice(-500)}`)),
    );
  });
  return {
    host: `127.0.0.1:${port}`,
    process: child,
    async stop() {
      // The launcher script starts a JVM: stop the whole process group.
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    },
  };
}
