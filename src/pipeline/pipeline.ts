/**
 * The seam between a claimed delivery and the work it does. The delivery
 * handler owns the lease and the final write; a Pipeline only turns the
 * request into a result, writing progress and checkpoints through the fenced
 * Checkpoints it is given, and honouring its AbortSignal.
 */
import type { Logger } from 'pino';
import type { ClaimedRequest } from '../db/requests.js';
import type { JsonObject, JsonValue, RequestStatus } from '../db/schema.gen.js';

export interface Checkpoints {
  progress(update: {
    status?: RequestStatus;
    percentage?: number;
    stage?: string | null;
  }): Promise<void>;
  startStage(stage: string): Promise<void>;
  finishStage(stage: string, output: JsonValue): Promise<void>;
  failStage(stage: string, error: string): Promise<void>;
  /** Outputs of the stages an earlier delivery finished: the run resumes after them. */
  completedOutputs(): Promise<Map<string, JsonValue>>;
}

export interface RunContext {
  request: ClaimedRequest;
  /** Aborted on shutdown or when the lease is lost; providers must honour it. */
  signal: AbortSignal;
  log: Logger;
  checkpoints: Checkpoints;
}

export type PipelineResult =
  | { kind: 'completed'; result: JsonObject }
  | { kind: 'clarification_needed'; result: JsonObject }
  | { kind: 'failed'; code: string; message: string };

export type Pipeline = (run: RunContext) => Promise<PipelineResult>;

/** Retrying may succeed: a timeout, a provider's 429/5xx, a network or database hiccup. The delivery nacks. */
export class TransientError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'TransientError';
  }
}

/** Retrying can never succeed (e.g. content blocked). The request is marked failed and the delivery acks. */
export class PermanentError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'PermanentError';
  }
}
