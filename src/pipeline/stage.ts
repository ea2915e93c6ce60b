/** A stage: one step of the pipeline, run under its own deadline, its output checkpointed. */
import type { Logger } from 'pino';
import type { StageName } from '../config/config.js';
import type { ClaimedRequest } from '../db/requests.js';
import type { JsonObject, JsonValue } from '../db/schema.gen.js';
import type { PipelineResult } from './pipeline.js';

export interface StageContext {
  request: ClaimedRequest;
  /** Aborted at the stage's deadline, on shutdown, or when the lease is lost. */
  signal: AbortSignal;
  log: Logger;
  /** Outputs of the stages before this one (fresh or from checkpoints). */
  outputs: ReadonlyMap<string, JsonValue>;
}

export interface Stage {
  name: StageName;
  run(context: StageContext): Promise<JsonObject>;
  /** Decides from the stage's output (fresh or checkpointed) whether the request ends here. */
  stop?(
    output: JsonValue,
  ): Extract<PipelineResult, { kind: 'clarification_needed' | 'failed' }> | undefined;
}

/** Reads an earlier stage's output; a missing one means the sequence is wrong, which is a bug. */
export function outputOf<T>(outputs: ReadonlyMap<string, JsonValue>, stage: StageName): T {
  const output = outputs.get(stage);
  if (output === undefined) throw new Error(`stage_output_missing: ${stage} has not run`);
  return output as T;
}
