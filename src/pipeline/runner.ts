/**
 * The stage runner: the request's stages in order, each under its own
 * timeout, each finished stage checkpointed; a redelivery resumes after the
 * last finished stage and never calls a provider again for work already done.
 */
import type { StageName } from '../config/config.js';
import type { JsonObject } from '../db/schema.gen.js';
import { withDeadline } from './deadline.js';
import type { Pipeline } from './pipeline.js';
import { progressAt, stagesFor } from './sequence.js';
import type { Stage } from './stage.js';

export interface RunnerOptions {
  stages: Readonly<Record<StageName, Stage>>;
  timeoutsMs: Readonly<Record<StageName, number>>;
}

/** `code: message` for our errors, `Name: message` for others: what the stage run records. */
function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err).slice(0, 500);
  const code = (err as { code?: unknown }).code;
  return `${typeof code === 'string' ? code : err.name}: ${err.message}`.slice(0, 500);
}

export function createStageRunner({ stages, timeoutsMs }: RunnerOptions): Pipeline {
  return async ({ request, signal, log, checkpoints }) => {
    const outputs = await checkpoints.completedOutputs();
    for (const name of stagesFor(request.modality)) {
      const stage = stages[name];
      let output = outputs.get(name);
      if (output !== undefined) {
        log.info(
          { stage: name },
          'stage already done by an earlier delivery; reusing its checkpoint',
        );
      } else {
        // Two independent fenced writes (the request's progress, the stage's run): one round trip's wait, not two.
        await Promise.all([
          checkpoints.progress({
            status: 'generating',
            stage: name,
            percentage: progressAt(name, request.modality),
          }),
          checkpoints.startStage(name),
        ]);
        const started = performance.now();
        try {
          output = await withDeadline(name, timeoutsMs[name], signal, (stageSignal) =>
            stage.run({ request, signal: stageSignal, log: log.child({ stage: name }), outputs }),
          );
        } catch (err) {
          log.warn(
            {
              stage: name,
              duration_ms: Math.round(performance.now() - started),
              error: describe(err),
            },
            'stage failed',
          );
          // Best effort: the delivery's outcome does not depend on recording the failure.
          await checkpoints.failStage(name, describe(err)).catch(() => undefined);
          throw err;
        }
        await checkpoints.finishStage(name, output);
        log.info(
          { stage: name, duration_ms: Math.round(performance.now() - started) },
          'stage finished',
        );
        outputs.set(name, output);
      }
      const stop = stage.stop?.(output);
      if (stop) return stop;
    }
    return { kind: 'completed', result: outputs.get('publish') as JsonObject };
  };
}
