/** The lesson as Markdown, for people and for the web app's plain view. Pure. */
import type { LessonScript } from '../contract/types.js';
import type { Passage } from '../providers/oer-corpus.js';

export function lessonMarkdown(
  script: LessonScript,
  passages: readonly Pick<Passage, 'id' | 'title' | 'source'>[],
  generatorNote: string | undefined,
): string {
  const out: string[] = [`# ${script.title}`, '', script.summary, ''];
  script.scenes.forEach((scene, i) => {
    out.push(
      `## ${i + 1}. ${scene.heading}`,
      '',
      scene.narration,
      '',
      ...scene.bullets.map((b) => `- ${b}`),
      '',
    );
  });
  out.push('## Check your understanding', '');
  script.check_questions.forEach((q, i) =>
    out.push(`${i + 1}. ${q.question}`, `   - Answer: ${q.answer}`),
  );
  out.push(
    '',
    '## Sources',
    '',
    ...passages.map((p) => `- ${p.title} (${p.id})${p.source ? ` — ${p.source}` : ''}`),
  );
  if (generatorNote) out.push('', `_${generatorNote}_`);
  return out.join('\n') + '\n';
}
