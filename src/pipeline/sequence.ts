/** Which stages a request runs, in order, and how far along each leaves it. Pure. */
import { STAGES, type StageName } from '../config/config.js';

const MEDIA_STAGES: readonly StageName[] = ['narrate', 'render'];

export function stagesFor(modality: 'text' | 'video'): StageName[] {
  return STAGES.filter((s) => modality === 'video' || !MEDIA_STAGES.includes(s));
}

/** The stages still to run: those no earlier delivery checkpointed. */
export function remainingStages(
  modality: 'text' | 'video',
  completed: ReadonlySet<string>,
): StageName[] {
  return stagesFor(modality).filter((s) => !completed.has(s));
}

/** Progress shown while `stage` runs: the share of stages before it (100 only once the request completes). */
export function progressAt(stage: StageName, modality: 'text' | 'video'): number {
  const sequence = stagesFor(modality);
  return Math.floor((100 * sequence.indexOf(stage)) / sequence.length);
}
