/** One Markdown file with front matter (title, subject, grades) → one passage. Pure. */
import matter from 'gray-matter';
import type { Passage } from '../providers/oer-corpus.js';

export class PassageFormatError extends Error {
  readonly code = 'passage_invalid';
}

function gradeRange(data: Record<string, unknown>, file: string): [number, number] {
  const grade = (v: unknown): number => {
    const n = typeof v === 'string' && /^(k|K)$/.test(v.trim()) ? 0 : Number(v);
    if (!Number.isInteger(n) || n < 0 || n > 12)
      throw new PassageFormatError(`${file}: grade ${String(v)} is not 0..12 (or K)`);
    return n;
  };
  if (data.grades !== undefined) {
    const [lo, hi = lo] = String(data.grades).split(/\s*-\s*/);
    const range: [number, number] = [grade(lo), grade(hi)];
    if (range[0] > range[1])
      throw new PassageFormatError(`${file}: grades ${String(data.grades)} run backwards`);
    return range;
  }
  if (data.grade_min !== undefined && data.grade_max !== undefined)
    return [grade(data.grade_min), grade(data.grade_max)];
  throw new PassageFormatError(
    `${file}: front matter needs grades: "3-5" (or grade_min and grade_max)`,
  );
}

/** `id` is the file's path inside the corpus without `.md`, so re-ingesting a file updates its passage. */
export function parsePassage(id: string, content: string): Passage {
  const { data, content: body } = matter(content);
  const title = typeof data.title === 'string' ? data.title.trim() : '';
  const subject = typeof data.subject === 'string' ? data.subject.trim() : '';
  if (!title) throw new PassageFormatError(`${id}: front matter needs a title`);
  if (!subject) throw new PassageFormatError(`${id}: front matter needs a subject`);
  const text = body.trim();
  if (!text) throw new PassageFormatError(`${id}: the passage has no text`);
  const [gradeMin, gradeMax] = gradeRange(data, id);
  return {
    id,
    title,
    subject,
    gradeMin,
    gradeMax,
    body: text,
    source: typeof data.source === 'string' ? data.source : null,
  };
}
