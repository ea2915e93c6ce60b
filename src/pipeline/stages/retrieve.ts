/** retrieve: open educational resources for the topic at the student's grade. */
import type { OerCorpus, Passage } from '../../providers/oer-corpus.js';
import { outputOf, type Stage } from '../stage.js';
import type { UnderstandOutput } from './understand.js';

export type RetrieveOutput = { passages: Passage[]; topic: string };

export const PASSAGES_PER_LESSON = 5;

export function retrieveStage(corpus: OerCorpus): Stage {
  return {
    name: 'retrieve',
    async run({ request, signal, outputs }) {
      const { understanding } = outputOf<UnderstandOutput>(outputs, 'understand');
      const terms = [
        understanding.topic,
        ...understanding.key_concepts,
        ...understanding.search_terms,
      ];
      const passages = await corpus.search(
        { terms, grade: request.gradeLevel, limit: PASSAGES_PER_LESSON },
        signal,
      );
      const output: RetrieveOutput = { passages, topic: understanding.topic };
      return output;
    },
    stop(output) {
      const { passages, topic } = output as RetrieveOutput;
      if (passages.length > 0) return undefined;
      // Nothing to ground a lesson in: off-topic, or worded so the corpus cannot match it.
      return {
        kind: 'clarification_needed',
        result: {
          reason: 'no_sources',
          questions: [
            `We could not find lesson material about "${topic}" for your grade. Could you ask it another way?`,
            'Which subject is it for: science, maths, history or language arts?',
          ],
        },
      };
    },
  };
}
