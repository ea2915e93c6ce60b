/**
 * The operator CLI's commands (see main.ts for the entry point).
 *   dlq list [--max N] [--json]
 *   dlq replay (--id MESSAGE_ID ... | --all) [--to TOPIC | --endpoint URL [--token ID_TOKEN]]
 *   dlq purge --yes
 *   publish <request.json>
 * Talks to real Pub/Sub, or to the emulator when PUBSUB_EMULATOR_HOST is set.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { PubSub } from '@google-cloud/pubsub';
import { compileValidators, describeErrors } from '../contract/validators.js';
import { openDeadLetterQueue, summarize, type PulledMessage } from './dead-letters.js';

export const USAGE = `usage: content-worker <command>
  dlq list [--max N] [--json]             show dead letters (not acked: they stay)
  dlq replay --id ID [--id ID ...] | --all [--to TOPIC | --endpoint URL [--token TOKEN]]
                                          republish to the request topic (attributes kept, plus replayed_from),
                                          or POST a push envelope to an endpoint; acked from the DLQ only on success
  dlq purge --yes                         ack (delete) every dead letter
  publish <request.json>                  validate a ContentRequest and publish it to the request topic
options: --project P (PUBSUB_PROJECT_ID / GOOGLE_CLOUD_PROJECT), --topic T (REQUEST_TOPIC, default content-requests),
         --dlq-subscription S (DLQ_SUBSCRIPTION, default content-requests-dlq-sub)`;

export class UsageError extends Error {}

/** Attributes of a replayed message: the original's, with the dead-letter ones kept for history, plus where it came from. */
export function replayAttributes(
  message: Pick<PulledMessage, 'attributes' | 'messageId'>,
): Record<string, string> {
  return { ...message.attributes, replayed_from: message.messageId };
}

export function selectForReplay(
  messages: PulledMessage[],
  ids: readonly string[],
  all: boolean,
): { chosen: PulledMessage[]; missing: string[] } {
  const chosen = all ? messages : messages.filter((m) => ids.includes(m.messageId));
  return {
    chosen,
    missing: all ? [] : ids.filter((id) => !messages.some((m) => m.messageId === id)),
  };
}

async function postEnvelope(
  endpoint: string,
  message: PulledMessage,
  token: string | undefined,
): Promise<void> {
  const envelope = {
    message: {
      data: message.data.toString('base64'),
      attributes: replayAttributes(message),
      messageId: message.messageId,
      publishTime: message.publishTime,
    },
    subscription: 'content-worker-cli-replay',
  };
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(envelope),
  });
  if (res.status < 200 || res.status >= 300)
    throw new Error(`endpoint answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
}

export async function run(
  argv: string[],
  out: (line: string) => void = (l) => process.stdout.write(l + '\n'),
): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      project: { type: 'string' },
      topic: { type: 'string' },
      'dlq-subscription': { type: 'string' },
      max: { type: 'string' },
      json: { type: 'boolean' },
      id: { type: 'string', multiple: true },
      all: { type: 'boolean' },
      to: { type: 'string' },
      endpoint: { type: 'string' },
      token: { type: 'string' },
      yes: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || positionals.length === 0) {
    out(USAGE);
    return values.help ? 0 : 64;
  }
  const projectId =
    values.project ?? process.env.PUBSUB_PROJECT_ID ?? process.env.GOOGLE_CLOUD_PROJECT;
  if (!projectId) throw new UsageError('no project: pass --project or set PUBSUB_PROJECT_ID');
  const topic = values.topic ?? process.env.REQUEST_TOPIC ?? 'content-requests';
  const dlqSubscription =
    values['dlq-subscription'] ?? process.env.DLQ_SUBSCRIPTION ?? 'content-requests-dlq-sub';
  const pubsub = new PubSub({ projectId });
  try {
    const [command, sub, ...rest] = positionals;
    if (command === 'publish') {
      const file = sub;
      if (!file || rest.length)
        throw new UsageError('publish takes one file: content-worker publish request.json');
      const payload = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
      const validators = compileValidators();
      if (typeof payload.student_query === 'string')
        payload.student_query = payload.student_query.trim();
      if (!validators.contentRequest(payload))
        throw new UsageError(
          `${file} is not a valid ContentRequest: ${describeErrors(validators.contentRequest.errors)}`,
        );
      const attributes: Record<string, string> =
        typeof payload.correlation_id === 'string'
          ? { correlation_id: payload.correlation_id }
          : {};
      const messageId = await pubsub
        .topic(topic)
        .publishMessage({ data: Buffer.from(JSON.stringify(payload)), attributes });
      out(
        values.json
          ? JSON.stringify({ message_id: messageId, request_id: payload.request_id, topic })
          : `published ${payload.request_id} to ${topic} as message ${messageId}`,
      );
      return 0;
    }
    if (command !== 'dlq' || !sub)
      throw new UsageError(`unknown command: ${positionals.join(' ')}`);

    const dlq = openDeadLetterQueue(pubsub, dlqSubscription);
    try {
      const messages = await dlq.pull(values.max ? Number(values.max) : 1000);
      if (sub === 'list') {
        await dlq.release(messages.map((m) => m.ackId));
        const validators = compileValidators();
        const summaries = messages.map((m) => summarize(m, validators));
        if (values.json) summaries.forEach((s) => out(JSON.stringify(s)));
        else {
          out(`${summaries.length} dead letter(s) in ${dlqSubscription}`);
          for (const s of summaries) {
            const p = s.payload.valid
              ? `valid request ${s.payload.request_id} (grade ${s.payload.grade_level}, ${s.payload.modality})`
              : `invalid (${s.payload.problem})${s.payload.request_id ? ` request ${s.payload.request_id}` : ''}`;
            out(`- ${s.message_id}  deliveries: ${s.source_delivery_count ?? '?'}  ${p}`);
          }
        }
        return 0;
      }
      if (sub === 'purge') {
        if (!values.yes) {
          await dlq.release(messages.map((m) => m.ackId));
          throw new UsageError('dlq purge deletes every dead letter: add --yes to confirm');
        }
        await dlq.ack(messages.map((m) => m.ackId));
        out(`purged ${messages.length} dead letter(s) from ${dlqSubscription}`);
        return 0;
      }
      if (sub === 'replay') {
        if (!values.all && !values.id?.length)
          throw new UsageError('dlq replay needs --id MESSAGE_ID (repeatable) or --all');
        if (values.to && values.endpoint)
          throw new UsageError('dlq replay takes --to or --endpoint, not both');
        const { chosen, missing } = selectForReplay(messages, values.id ?? [], values.all ?? false);
        await dlq.release(messages.filter((m) => !chosen.includes(m)).map((m) => m.ackId));
        let failed = missing.length;
        for (const id of missing) out(`- ${id}: not in ${dlqSubscription}`);
        for (const m of chosen) {
          try {
            if (values.endpoint) await postEnvelope(values.endpoint, m, values.token);
            else
              await pubsub
                .topic(values.to ?? topic)
                .publishMessage({ data: m.data, attributes: replayAttributes(m) });
            await dlq.ack([m.ackId]);
            out(`- ${m.messageId}: replayed to ${values.endpoint ?? values.to ?? topic}`);
          } catch (err) {
            failed++;
            await dlq.release([m.ackId]);
            out(
              `- ${m.messageId}: NOT replayed (${(err as Error).message}); it stays in the dead-letter queue`,
            );
          }
        }
        out(
          `replayed ${chosen.length - (failed - missing.length)} of ${chosen.length + missing.length}`,
        );
        return failed > 0 ? 1 : 0;
      }
      throw new UsageError(`unknown dlq command: ${sub}`);
    } finally {
      await dlq.close();
    }
  } finally {
    await pubsub.close();
  }
}
