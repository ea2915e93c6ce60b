/** script: the lesson in scenes, pitched to the grade, framed in the interest, grounded in the passages. */
import type { Generator, LessonScript } from '../../contract/types.js';
import { describeErrors, type ContractValidators } from '../../contract/validators.js';
import type { LessonWriter, Usage } from '../../providers/lesson-writer.js';
import { PermanentError } from '../pipeline.js';
import { outputOf, type Stage } from '../stage.js';
import type { RetrieveOutput } from './retrieve.js';
import type { UnderstandOutput } from './understand.js';

export type ScriptOutput = { script: LessonScript; generator: Generator; usage: Usage };

export function scriptStage(writer: LessonWriter, validators: ContractValidators): Stage {
  return {
    name: 'script',
    async run({ request, signal, outputs, log }) {
      const { understanding } = outputOf<UnderstandOutput>(outputs, 'understand');
      const { passages } = outputOf<RetrieveOutput>(outputs, 'retrieve');
      const written = await writer.writeScript(
        {
          query: request.studentQuery,
          grade: request.gradeLevel,
          interest: request.interest,
          language: request.language,
          modality: request.modality,
          understanding,
          passages,
        },
        signal,
      );
      if (!validators.lessonScript(written.value)) {
        throw new PermanentError(
          'invalid_model_output',
          `script: the writer's lesson does not fit the LessonScript schema (${describeErrors(validators.lessonScript.errors)})`,
        );
      }
      const output: ScriptOutput = {
        script: written.value,
        generator: written.generator,
        usage: written.usage ?? {},
      };
      if (written.usage)
        log.info(
          { usage: written.usage, model: written.generator.model ?? written.generator.kind },
          'model usage',
        );
      return output;
    },
  };
}
