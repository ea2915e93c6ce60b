/** Checkpoints bound to one claimed run: every write is fenced by the run's lease generation. */
import type { Database } from '../db/database.js';
import { recordProgress } from '../db/requests.js';
import { completedStageOutputs, finishStage, startStage } from '../db/stage-runs.js';
import type { Checkpoints } from '../pipeline/pipeline.js';

export function createCheckpoints(
  db: Database,
  requestId: string,
  generation: number,
): Checkpoints {
  return {
    progress: (update) =>
      recordProgress(db, requestId, generation, {
        ...(update.status !== undefined ? { status: update.status } : {}),
        ...(update.percentage !== undefined ? { progressPercentage: update.percentage } : {}),
        ...(update.stage !== undefined ? { currentStage: update.stage } : {}),
      }),
    startStage: (stage) => startStage(db, requestId, generation, stage),
    finishStage: (stage, output) =>
      finishStage(db, requestId, generation, stage, { status: 'completed', output }),
    failStage: (stage, error) =>
      finishStage(db, requestId, generation, stage, { status: 'failed', error }),
    completedOutputs: () => completedStageOutputs(db, requestId),
  };
}
