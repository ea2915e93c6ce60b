import { describe, expect, it } from 'vitest';
import { compileValidators } from '../../src/contract/validators.js';
import {
  understandOffline,
  writeScriptOffline,
} from '../../src/providers/offline/lesson-writer.js';
import type { Passage } from '../../src/providers/oer-corpus.js';

const validators = compileValidators();
const learner = {
  query: 'Why does a basketball bounce higher on a hard floor?',
  grade: 6,
  interest: 'basketball',
  language: 'en-US',
};
const passage = (id: string, title: string, body: string): Passage => ({
  id,
  title,
  subject: 'science',
  gradeMin: 3,
  gradeMax: 8,
  body,
  source: null,
});
const passages = [
  passage(
    'science/bounce',
    'Why balls bounce',
    'A ball squashes when it hits the floor. It springs back up. Some energy turns into heat. Hard floors return more energy.',
  ),
  passage(
    'science/energy',
    'Forms of energy',
    'Energy makes things move. Moving things have kinetic energy. Lifted things have potential energy.',
  ),
];

describe('the offline lesson writer', () => {
  it('understands a query: topic, subject, concepts and search terms that fit the schema', () => {
    const u = understandOffline(learner);
    expect(validators.understanding(u)).toBe(true);
    expect(u).toMatchObject({ answerable: true, subject: 'science', clarifying_questions: [] });
    expect(u.key_concepts).toContain('basketball');
    expect(u.search_terms).toContain('bounce');
  });

  it('asks 1-3 clarifying questions for a query with nothing to teach', () => {
    for (const query of ['what is this?', 'help me please', '???']) {
      const u = understandOffline({ ...learner, query });
      expect(u.answerable).toBe(false);
      expect(u.clarifying_questions.length).toBeGreaterThanOrEqual(1);
      expect(u.clarifying_questions.length).toBeLessThanOrEqual(3);
      expect(validators.understanding(u)).toBe(true);
    }
  });

  it('writes a 3-8 scene lesson grounded in the passages, framed in the interest, with 3 questions', () => {
    const script = writeScriptOffline({
      ...learner,
      understanding: understandOffline(learner),
      passages,
      modality: 'video',
    });
    expect(validators.lessonScript(script)).toBe(true);
    expect(script.scenes.length).toBeGreaterThanOrEqual(3);
    expect(script.scenes.flatMap((s) => s.sources)).toEqual(
      expect.arrayContaining(['science/bounce', 'science/energy']),
    );
    expect(JSON.stringify(script.scenes)).toContain('basketball');
    expect(script.check_questions).toHaveLength(3);
  });

  it('pitches to the grade: younger students get shorter narration', () => {
    const u = understandOffline(learner);
    const narration = (grade: number) =>
      writeScriptOffline({ ...learner, grade, understanding: u, passages, modality: 'text' })
        .scenes[1]!.narration;
    expect(narration(1).length).toBeLessThan(narration(8).length);
  });

  it('still writes a valid lesson from a single passage', () => {
    const script = writeScriptOffline({
      ...learner,
      understanding: understandOffline(learner),
      passages: passages.slice(0, 1),
      modality: 'text',
    });
    expect(validators.lessonScript(script)).toBe(true);
  });
});
