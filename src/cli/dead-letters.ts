/**
 * The dead-letter subscription as operators see it: pull without acking (the
 * messages go back at once), replay, purge. Pure summaries live here too.
 */
import { v1, type PubSub } from '@google-cloud/pubsub';
import { compileValidators, type ContractValidators } from '../contract/validators.js';
import { decodeDelivery } from '../delivery/decode.js';

export interface PulledMessage {
  ackId: string;
  messageId: string;
  data: Buffer;
  attributes: Record<string, string>;
  publishTime: string | undefined;
}

export interface DeadLetterSummary {
  message_id: string;
  source_delivery_count: number | null;
  source_subscription: string | null;
  attributes: Record<string, string>;
  publish_time: string | null;
  payload:
    | { valid: true; request_id: string; student_id: string; grade_level: number; modality: string }
    | { valid: false; request_id: string | null; problem: string };
}

/** What a dead letter holds, validated as the service would; never the student's query text. */
export function summarize(
  message: PulledMessage,
  validators: ContractValidators = compileValidators(),
): DeadLetterSummary {
  const envelope = {
    message: {
      data: message.data.toString('base64'),
      messageId: message.messageId,
      attributes: message.attributes,
    },
    subscription: 'dlq',
  };
  const decoded = decodeDelivery(envelope, validators);
  const count = message.attributes.CloudPubSubDeadLetterSourceDeliveryCount;
  return {
    message_id: message.messageId,
    source_delivery_count: count === undefined ? null : Number(count),
    source_subscription: message.attributes.CloudPubSubDeadLetterSourceSubscription ?? null,
    attributes: message.attributes,
    publish_time: message.publishTime ?? null,
    payload: decoded.ok
      ? {
          valid: true,
          request_id: decoded.request.request_id,
          student_id: decoded.request.student_id,
          grade_level: decoded.request.grade_level,
          modality: decoded.request.modality,
        }
      : {
          valid: false,
          request_id: decoded.requestId ?? null,
          problem: decoded.decision.detail ?? decoded.decision.outcome,
        },
  };
}

export interface DeadLetterQueue {
  /** Pulls what is there (up to max); unacked, it returns to the subscription after its ack deadline or a release. */
  pull(max: number): Promise<PulledMessage[]>;
  ack(ackIds: string[]): Promise<void>;
  /** Gives messages back at once (ack deadline 0). */
  release(ackIds: string[]): Promise<void>;
  close(): Promise<void>;
}

export function openDeadLetterQueue(pubsub: PubSub, subscription: string): DeadLetterQueue {
  // The PubSub object has already resolved the endpoint (and the emulator's insecure channel) into its options.
  const client = new v1.SubscriberClient(
    pubsub.options as ConstructorParameters<typeof v1.SubscriberClient>[0],
  );
  const name = pubsub.subscription(subscription).name;
  return {
    async pull(max) {
      const out: PulledMessage[] = [];
      // One pull may return fewer than there are: keep pulling until one comes back empty.
      for (let round = 0; round < 20 && out.length < max; round++) {
        const [response] = await client.pull({
          subscription: name,
          maxMessages: Math.min(100, max - out.length),
          returnImmediately: true,
        });
        const received = response.receivedMessages ?? [];
        if (received.length === 0) break;
        for (const r of received) {
          out.push({
            ackId: r.ackId ?? '',
            messageId: r.message?.messageId ?? '',
            data: Buffer.from(r.message?.data ?? ''),
            attributes: { ...(r.message?.attributes ?? {}) },
            publishTime: r.message?.publishTime?.seconds
              ? new Date(Number(r.message.publishTime.seconds) * 1000).toISOString()
              : undefined,
          });
        }
      }
      return out;
    },
    async ack(ackIds) {
      if (ackIds.length) await client.acknowledge({ subscription: name, ackIds });
    },
    async release(ackIds) {
      if (ackIds.length)
        await client.modifyAckDeadline({ subscription: name, ackIds, ackDeadlineSeconds: 0 });
    },
    close: () => client.close(),
  };
}
