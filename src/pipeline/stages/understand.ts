/** understand: the topic, subject and key concepts, or clarifying questions when the query cannot be taught as asked. */
import type { Generator, Understanding } from '../../contract/types.js';
import type { ContractValidators } from '../../contract/validators.js';
import { describeErrors } from '../../contract/validators.js';
import type { LessonWriter, Usage } from '../../providers/lesson-writer.js';
import { PermanentError } from '../pipeline.js';
import type { Stage } from '../stage.js';

export type UnderstandOutput = { understanding: Understanding; generator: Generator; usage: Usage };

export function understandStage(writer: LessonWriter, validators: ContractValidators): Stage {
  return {
    name: 'understand',
    async run({ request, signal, log }) {
      const written = await writer.understand(
        {
          query: request.studentQuery,
          grade: request.gradeLevel,
          interest: request.interest,
          language: request.language,
        },
        signal,
      );
      if (!validators.understanding(written.value)) {
        throw new PermanentError(
          'invalid_model_output',
          `understand: the writer's answer does not fit the Understanding schema (${describeErrors(validators.understanding.errors)})`,
        );
      }
      const output: UnderstandOutput = {
        understanding: written.value,
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
    stop(output) {
      const { understanding } = output as UnderstandOutput;
      if (understanding.answerable) return undefined;
      return {
        kind: 'clarification_needed',
        result: { questions: understanding.clarifying_questions, reason: 'ambiguous_query' },
      };
    },
  };
}
