/**
 * The Pub/Sub topology the service lives in: a request topic, a push
 * subscription to /pubsub/push with a dead-letter policy, and the dead-letter
 * topic with a pull subscription operators read. Idempotent: existing
 * resources are left as they are. Used by dev:stack and the end-to-end tests
 * (production creates the same with gcloud in cloudbuild.yaml).
 */
import type { PubSub } from '@google-cloud/pubsub';

export interface Topology {
  topic: string;
  pushSubscription: string;
  pushEndpoint: string;
  deadLetterTopic: string;
  deadLetterSubscription: string;
  maxDeliveryAttempts: number;
  ackDeadlineSeconds: number;
  /** Backoff between redeliveries; none means "redeliver at once" (the emulator's retry policies are fragile). */
  retryPolicy?: { minimumBackoffSeconds: number; maximumBackoffSeconds: number };
}

const ALREADY_EXISTS = 6;
const isAlreadyExists = (err: unknown) => (err as { code?: number }).code === ALREADY_EXISTS;

async function ensure(create: () => Promise<unknown>): Promise<void> {
  try {
    await create();
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
}

export async function ensureTopology(pubsub: PubSub, t: Topology): Promise<void> {
  await ensure(() => pubsub.createTopic(t.topic));
  await ensure(() => pubsub.createTopic(t.deadLetterTopic));
  await ensure(() =>
    pubsub
      .topic(t.deadLetterTopic)
      .createSubscription(t.deadLetterSubscription, { ackDeadlineSeconds: 60 }),
  );
  const deadLetterTopic = pubsub.topic(t.deadLetterTopic).name;
  await ensure(() =>
    pubsub.topic(t.topic).createSubscription(t.pushSubscription, {
      pushConfig: { pushEndpoint: t.pushEndpoint },
      ackDeadlineSeconds: t.ackDeadlineSeconds,
      deadLetterPolicy: { deadLetterTopic, maxDeliveryAttempts: t.maxDeliveryAttempts },
      ...(t.retryPolicy
        ? {
            retryPolicy: {
              minimumBackoff: { seconds: t.retryPolicy.minimumBackoffSeconds },
              maximumBackoff: { seconds: t.retryPolicy.maximumBackoffSeconds },
            },
          }
        : {}),
    }),
  );
}
