/**
 * `npm run dev:stack`: the local mirror of production in one command. Starts
 * Google's Pub/Sub emulator (if installed), the service with embedded
 * defaults, and the topic, push subscription (dead-letter policy, 5 attempts)
 * and dead-letter topic wired to it; prints how to publish. Ctrl-C stops all.
 */
import { execFileSync, spawn } from 'node:child_process';
import { PubSub } from '@google-cloud/pubsub';
import { ensureTopology } from '../src/cli/topology.js';
import { emulatorBinary, startEmulator } from '../test/support/pubsub-emulator.js';
import { serviceCommand } from '../test/support/service-process.js';

const PROJECT = process.env.PUBSUB_PROJECT_ID ?? 'local-project';
const port = Number(process.env.PORT ?? 8080);

if (!emulatorBinary) {
  console.error(
    'dev:stack needs the Pub/Sub emulator (Google Cloud CLI with the pubsub-emulator component, or PUBSUB_EMULATOR_BIN). Without it, run `npm start` and replay envelopes with curl (see README).',
  );
  process.exit(1);
}
const emulator = await startEmulator();
process.env.PUBSUB_EMULATOR_HOST = emulator.host;
// Nothing leaves the machine: without this the Pub/Sub client still probes for the metadata server.
process.env.METADATA_SERVER_DETECTION = 'none';

// What `npm start` does, with the node process as our direct child so stopping it is reliable.
execFileSync('npm', ['run', 'build'], { stdio: 'inherit' });
const [, ...args] = serviceCommand();
const service = spawn(process.execPath, args, {
  stdio: 'inherit',
  env: { ...process.env, PORT: String(port) },
});
const stopAll = async (code: number) => {
  service.kill('SIGTERM');
  await new Promise((r) => service.once('exit', r));
  await emulator.stop();
  process.exit(code);
};
process.once('SIGINT', () => void stopAll(0));
process.once('SIGTERM', () => void stopAll(0));
service.once('exit', (code) => void emulator.stop().then(() => process.exit(code ?? 1)));

for (let i = 0; ; i++) {
  try {
    if ((await fetch(`http://127.0.0.1:${port}/health/ready`)).ok) break;
  } catch {
    // still starting
  }
  if (i > 600) throw new Error('the service did not become ready in 60 s');
  await new Promise((r) => setTimeout(r, 100));
}

const pubsub = new PubSub({ projectId: PROJECT });
await ensureTopology(pubsub, {
  topic: 'content-requests',
  pushSubscription: 'content-requests-push',
  pushEndpoint: `http://127.0.0.1:${port}/pubsub/push`,
  deadLetterTopic: 'content-requests-dlq',
  deadLetterSubscription: 'content-requests-dlq-sub',
  maxDeliveryAttempts: 5,
  ackDeadlineSeconds: 600,
});
await pubsub.close();

console.log(`
dev stack ready: emulator ${emulator.host}, service http://127.0.0.1:${port}
publish a request:
  PUBSUB_EMULATOR_HOST=${emulator.host} PUBSUB_PROJECT_ID=${PROJECT} npm run cli -- publish data/sample-request.json
look at it:
  curl -s http://127.0.0.1:${port}/v1/requests/5b0e7c1e-8f3a-4d2b-9c61-2f7d1a9e4b10
dead letters:
  PUBSUB_EMULATOR_HOST=${emulator.host} PUBSUB_PROJECT_ID=${PROJECT} npm run cli -- dlq list
Ctrl-C stops everything.`);
