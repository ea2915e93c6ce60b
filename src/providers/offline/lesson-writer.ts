/**
 * The offline lesson writer: deterministic templates over the retrieved
 * passages. It is not a language model, and its output says so.
 */
import type { LessonScript, Scene, Subject, Understanding } from '../../contract/types.js';
import type { LearnerContext, LessonWriter, ScriptInput, Written } from '../lesson-writer.js';

export const OFFLINE_GENERATOR = {
  kind: 'offline' as const,
  prompt_version: 'offline-templates-v1',
  note: 'Written offline from retrieved passages with templates; not a language model.',
};

const STOPWORDS = new Set(
  'a an the and or but if then so of to in on at by for with from about into over under is are was were be been being am do does did doing have has had can could should would will shall may might must i me my we our you your he she it its they them their this that these those what which who whom whose why how when where there here not no yes please tell explain help know learn understand want need like just really very more most much many some any thing things stuff something anything someone get got make makes made go goes going way work works happen happens mean means us also than too'.split(
    ' ',
  ),
);

const SUBJECT_WORDS: Record<Exclude<Subject, 'other'>, readonly string[]> = {
  science: [
    'gravity',
    'force',
    'energy',
    'bounce',
    'ball',
    'plant',
    'planet',
    'sun',
    'water',
    'heat',
    'light',
    'sound',
    'magnet',
    'cell',
    'animal',
    'heart',
    'blood',
    'friction',
    'matter',
    'atom',
    'photosynthesis',
    'fall',
    'weather',
    'moon',
  ],
  maths: [
    'fraction',
    'percent',
    'percentage',
    'average',
    'mean',
    'median',
    'area',
    'perimeter',
    'multiply',
    'multiplication',
    'number',
    'angle',
    'ratio',
    'probability',
    'graph',
    'divide',
    'sequence',
    'negative',
    'equation',
    'math',
    'maths',
  ],
  history: [
    'ancient',
    'empire',
    'war',
    'king',
    'pharaoh',
    'history',
    'invented',
    'invention',
    'olympics',
    'olympic',
    'revolution',
    'civil',
    'rights',
    'explorer',
    'century',
    'rome',
    'egypt',
    'china',
    'printing',
  ],
  language_arts: [
    'noun',
    'verb',
    'adjective',
    'adverb',
    'paragraph',
    'story',
    'poem',
    'poetry',
    'rhyme',
    'simile',
    'metaphor',
    'punctuation',
    'prefix',
    'suffix',
    'writing',
    'essay',
    'grammar',
    'sentence',
  ],
};

function contentWords(text: string): string[] {
  const words = text.toLowerCase().match(/[\p{L}\p{N}']+/gu) ?? [];
  const kept = words
    .map((w) => w.replace(/'s$/, '').replace(/'/g, ''))
    .filter((w) => w.length > 2 && !STOPWORDS.has(w));
  return [...new Set(kept)];
}

/** Light stemming so "bounces" finds "bounce" among the subject words. */
function stem(word: string): string {
  return word.replace(/(ies)$/, 'y').replace(/(es|s)$/, '');
}

function guessSubject(words: readonly string[]): Subject {
  let best: Subject = 'other';
  let bestScore = 0;
  for (const [subject, keys] of Object.entries(SUBJECT_WORDS) as [Subject, readonly string[]][]) {
    const score = words.filter((w) => keys.includes(w) || keys.includes(stem(w))).length;
    if (score > bestScore) [best, bestScore] = [subject, score];
  }
  return best;
}

const CLARIFYING_QUESTIONS = [
  'What topic is your question about?',
  'Which subject is it for: science, maths, history or language arts?',
  'Can you tell me one thing you already know about it, or where you came across it?',
];

export function understandOffline(input: LearnerContext): Understanding {
  const words = contentWords(input.query);
  if (words.length === 0) {
    return {
      answerable: false,
      topic: '',
      subject: 'other',
      key_concepts: [],
      search_terms: [],
      clarifying_questions: CLARIFYING_QUESTIONS,
    };
  }
  const concepts = words.slice(0, 5);
  return {
    answerable: true,
    topic: concepts.slice(0, 4).join(' '),
    subject: guessSubject(words),
    key_concepts: concepts,
    search_terms: [...new Set([...words, ...words.map(stem)])].slice(0, 12),
    clarifying_questions: [],
  };
}

function sentences(text: string): string[] {
  return (text.match(/[^.!?]+[.!?]+/g) ?? [text]).map((s) => s.trim()).filter(Boolean);
}

function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 1);
  return cut.slice(0, Math.max(cut.lastIndexOf(' '), max / 2)).replace(/[,;:]$/, '') + '…';
}

/** Younger grades get fewer, shorter sentences. */
function sentencesFor(grade: number): number {
  return grade <= 2 ? 2 : grade <= 5 ? 3 : 4;
}

export function writeScriptOffline(input: ScriptInput): LessonScript {
  const { understanding, passages, grade } = input;
  const interest = input.interest?.trim() || 'everyday life';
  const topic = understanding.topic || passages[0]?.title || 'this topic';
  const lead = passages[0];
  const body = passages.slice(0, 5);
  const perScene = sentencesFor(grade);

  const intro: Scene = {
    heading: clip(`Let's explore: ${lead?.title ?? topic}`, 120),
    narration:
      `You asked about ${topic}. We will look at it step by step, and connect it to ${interest}. ${lead ? (sentences(lead.body)[0] ?? '') : ''}`.trim(),
    bullets: [
      clip(`What we will find out: ${topic}`, 160),
      clip(`Big idea: ${lead?.title ?? topic}`, 160),
    ],
    sources: lead ? [lead.id] : [],
  };
  const scenes: Scene[] = body.map((p) => {
    const s = sentences(p.body);
    return {
      heading: clip(p.title, 120),
      narration: s.slice(0, perScene).join(' '),
      bullets: s.slice(0, Math.min(3, s.length)).map((x) => clip(x, 160)),
      sources: [p.id],
    };
  });
  const wrap: Scene = {
    heading: clip(`${topic} and ${interest}`, 120),
    narration:
      `Next time you think about ${interest}, look for ${topic} in action. ${lead ? `Remember: ${sentences(lead.body)[0] ?? ''}` : ''} Try explaining it to a friend in your own words.`.trim(),
    bullets: [
      clip(`Spot ${topic} in ${interest}`, 160),
      'Explain it to a friend in your own words',
    ],
    sources: body.map((p) => p.id),
  };
  const allScenes = [intro, ...scenes, wrap].slice(0, 8);
  while (allScenes.length < 3)
    allScenes.splice(allScenes.length - 1, 0, {
      ...intro,
      heading: clip(`More about ${topic}`, 120),
    });

  const second = body[1] ?? lead;
  return {
    title: clip(`${lead?.title ?? topic}: a lesson for grade ${grade === 0 ? 'K' : grade}`, 160),
    summary: clip(
      body
        .map((p) => sentences(p.body)[0])
        .filter(Boolean)
        .join(' ') || `A short lesson about ${topic}.`,
      1500,
    ),
    scenes: allScenes,
    check_questions: [
      {
        question: clip(
          `In your own words, what is ${lead?.title.toLowerCase() ?? topic} about?`,
          300,
        ),
        answer: clip(lead ? (sentences(lead.body)[0] ?? topic) : topic, 600),
      },
      {
        question: clip(`What is one key fact from "${second?.title ?? topic}"?`, 300),
        answer: clip(
          second ? (sentences(second.body)[1] ?? sentences(second.body)[0] ?? topic) : topic,
          600,
        ),
      },
      {
        question: clip(`Where could you notice ${topic} in ${interest}?`, 300),
        answer: clip(
          `Any example that connects ${topic} to ${interest}, explained with the lesson's ideas.`,
          600,
        ),
      },
    ],
  };
}

export function createOfflineLessonWriter(): LessonWriter {
  return {
    async understand(input, signal): Promise<Written<Understanding>> {
      signal.throwIfAborted();
      return { value: understandOffline(input), generator: OFFLINE_GENERATOR };
    },
    async writeScript(input, signal): Promise<Written<LessonScript>> {
      signal.throwIfAborted();
      return { value: writeScriptOffline(input), generator: OFFLINE_GENERATOR };
    },
  };
}
