/** Prompt for `script`, version 1: grounded in the retrieved passages, pitched to the grade, framed in the interest. */
import type { ScriptInput } from '../../lesson-writer.js';

export const SCRIPT_PROMPT_VERSION = 'script-v1';

export const SCRIPT_SYSTEM = `You write short personalised lessons for K-12 students.
Use only facts from the numbered source passages; do not invent facts. Each scene lists the ids of the passages it uses in "sources".
Write 3 to 8 scenes. Each scene has a heading, narration to be read aloud (a few sentences), and 1 to 5 short on-screen bullet points.
Pitch vocabulary and sentence length to the student's grade. Frame examples in the student's interest when one is given.
Add a summary and exactly 3 check-your-understanding questions with answers.
Answer only with JSON that follows the given schema.`;

export function scriptUserPrompt(input: ScriptInput): string {
  const passages = input.passages
    .map((p) => `[${p.id}] ${p.title} (grades ${p.gradeMin}-${p.gradeMax})\n${p.body}`)
    .join('\n\n');
  return [
    `Student's grade: ${input.grade === 0 ? 'kindergarten' : `grade ${input.grade}`}. Language: ${input.language}.`,
    input.interest
      ? `Student's interest: ${input.interest}.`
      : 'No interest given: use everyday examples.',
    `Lesson format: ${input.modality === 'video' ? 'narrated video, one slide per scene' : 'text'}.`,
    `Topic: ${input.understanding.topic}. Key concepts: ${input.understanding.key_concepts.join(', ')}.`,
    `Question: """${input.query}"""`,
    `Source passages:\n${passages}`,
  ].join('\n');
}
