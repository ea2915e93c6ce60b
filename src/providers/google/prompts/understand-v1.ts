/** Prompt for `understand`, version 1. The version is recorded with every lesson it shapes. */
import type { LearnerContext } from '../../lesson-writer.js';

export const UNDERSTAND_PROMPT_VERSION = 'understand-v1';

export const UNDERSTAND_SYSTEM = `You help a tutoring service understand a K-12 student's question before a lesson is written.
Decide what the question is about: a short topic, the school subject (science, maths, history, language_arts or other),
up to 8 key concepts, and up to 12 search terms for finding open educational resources.
If the question is too ambiguous, off-topic for school, or unsafe to teach, set answerable to false and write
1 to 3 short, friendly clarifying questions for the student. Otherwise clarifying_questions is empty.
Answer only with JSON that follows the given schema.`;

export function understandUserPrompt(input: LearnerContext): string {
  return [
    `Student's grade: ${input.grade === 0 ? 'kindergarten' : `grade ${input.grade}`}.`,
    `Language: ${input.language}.`,
    input.interest ? `The student is interested in: ${input.interest}.` : 'No interest given.',
    `Question: """${input.query}"""`,
  ].join('\n');
}
