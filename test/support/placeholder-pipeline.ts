/**
 * A minimal pipeline for delivery tests: it walks the same
 * seam as the lesson pipeline (progress, one checkpointed stage) and completes the request.
 */
import type { Pipeline } from '../../src/pipeline/pipeline.js';

export const placeholderPipeline: Pipeline = async ({ checkpoints, signal }) => {
  await checkpoints.progress({ status: 'generating', stage: 'placeholder', percentage: 10 });
  await checkpoints.startStage('placeholder');
  signal.throwIfAborted();
  await checkpoints.finishStage('placeholder', {
    note: 'placeholder pipeline: no lesson generated yet',
  });
  return { kind: 'completed', result: { placeholder: true, artifacts: {} } };
};
