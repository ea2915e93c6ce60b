/** The lesson pipeline: understand → retrieve → script → narrate → render → publish, on the given providers. */
import type { StageName } from '../config/config.js';
import type { ContractValidators } from '../contract/validators.js';
import type { Providers } from '../providers/providers.js';
import type { Pipeline } from './pipeline.js';
import { createStageRunner } from './runner.js';
import { narrateStage } from './stages/narrate.js';
import { publishStage } from './stages/publish.js';
import { renderStage } from './stages/render.js';
import { retrieveStage } from './stages/retrieve.js';
import { scriptStage } from './stages/script.js';
import { understandStage } from './stages/understand.js';

export function createLessonPipeline(
  providers: Providers,
  validators: ContractValidators,
  timeoutsMs: Readonly<Record<StageName, number>>,
): Pipeline {
  return createStageRunner({
    timeoutsMs,
    stages: {
      understand: understandStage(providers.writer, validators),
      retrieve: retrieveStage(providers.corpus),
      script: scriptStage(providers.writer, validators),
      narrate: narrateStage(providers.speech, providers.storage),
      render: renderStage(providers.encoder, providers.storage),
      publish: publishStage(providers.storage),
    },
  });
}

export const secondsToMs = (
  timeouts: Readonly<Record<StageName, number>>,
): Record<StageName, number> =>
  Object.fromEntries(Object.entries(timeouts).map(([k, v]) => [k, v * 1000])) as Record<
    StageName,
    number
  >;
