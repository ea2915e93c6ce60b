import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { componentSchema } from '../../src/contract/openapi.js';
import type { Understanding } from '../../src/contract/types.js';
import { PermanentError, TransientError } from '../../src/pipeline/pipeline.js';
import type { Providers } from '../../src/providers/providers.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { googleProviders, startGoogleWire, type GoogleWire } from './support.js';

let t: TestDatabase;
let wire: GoogleWire;
let providers: Providers;
beforeAll(async () => {
  t = await createTestDatabase();
  wire = await startGoogleWire();
  providers = googleProviders(wire, t.db);
});
afterAll(async () => {
  await wire.close();
  await t.close();
});
beforeEach(() => {
  wire.vertex.requests.length = 0;
  wire.vertex.replies = [];
});

const learner = {
  query: 'Why do balls bounce?',
  grade: 4,
  interest: 'basketball',
  language: 'en-US',
};
const understanding: Understanding = {
  answerable: true,
  topic: 'bouncing balls',
  subject: 'science',
  key_concepts: ['energy', 'elasticity'],
  search_terms: ['bounce', 'energy'],
  clarifying_questions: [],
};
const signal = () => new AbortController().signal;

describe('Gemini on Vertex AI through @google/genai', () => {
  it('sends the model path, system instruction and the contract schema as the response schema; returns usage and cost', async () => {
    wire.vertex.replies = [{ text: JSON.stringify(understanding), usage: [1200, 300] }];
    const written = await providers.writer.understand(learner, signal());
    expect(written.value).toEqual(understanding);
    expect(written.generator).toEqual({
      kind: 'gemini',
      model: 'gemini-2.5-flash',
      prompt_version: 'understand-v1',
    });
    expect(written.usage).toEqual({
      input_tokens: 1200,
      output_tokens: 300,
      estimated_cost_usd: 0.00111,
    });
    const [sent] = wire.vertex.bodies();
    expect(sent!.path).toBe(
      '/v1beta1/projects/proj-1/locations/europe-west4/publishers/google/models/gemini-2.5-flash:generateContent',
    );
    const body = sent!.body as {
      contents: { parts: { text: string }[] }[];
      generationConfig: Record<string, unknown>;
      systemInstruction: { parts: { text: string }[] };
    };
    expect(body.generationConfig.responseMimeType).toBe('application/json');
    expect(body.generationConfig.responseJsonSchema).toEqual(componentSchema('Understanding'));
    expect(body.systemInstruction.parts[0]!.text).toContain('clarifying questions');
    expect(body.contents[0]!.parts[0]!.text).toContain('grade 4');
    expect(body.contents[0]!.parts[0]!.text).toContain('basketball');
    expect(wire.vertex.requests[0]!.headers.authorization).toBe('Bearer test-access-token');
  });

  it('grounds the script in the passages, asking for the LessonScript schema', async () => {
    const script = {
      title: 'Bounce!',
      summary: 'Balls store energy.',
      scenes: [1, 2, 3].map((i) => ({
        heading: `Scene ${i}`,
        narration: 'Balls squash and spring back.',
        bullets: ['Energy is stored'],
        sources: ['science/bounce'],
      })),
      check_questions: [1, 2, 3].map((i) => ({ question: `Q${i}?`, answer: `A${i}` })),
    };
    wire.vertex.replies = [{ text: JSON.stringify(script) }];
    const passages = [
      {
        id: 'science/bounce',
        title: 'Why balls bounce',
        subject: 'science',
        gradeMin: 3,
        gradeMax: 8,
        body: 'A ball squashes.',
        source: null,
      },
    ];
    const written = await providers.writer.writeScript(
      { ...learner, understanding, passages, modality: 'video' },
      signal(),
    );
    expect(written.value).toEqual(script);
    expect(written.generator.prompt_version).toBe('script-v1');
    const body = wire.vertex.bodies()[0]!.body as {
      contents: { parts: { text: string }[] }[];
      generationConfig: Record<string, unknown>;
    };
    expect(body.generationConfig.responseJsonSchema).toEqual(componentSchema('LessonScript'));
    expect(body.contents[0]!.parts[0]!.text).toContain('[science/bounce] Why balls bounce');
  });

  it.each([
    [429, 'model_unavailable'],
    [500, 'model_unavailable'],
    [503, 'model_unavailable'],
  ])('%i is transient (%s)', async (status, code) => {
    wire.vertex.replies = [{ status }];
    const err = await providers.writer.understand(learner, signal()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransientError);
    expect(err).toMatchObject({ code });
  });

  it('400 is permanent', async () => {
    wire.vertex.replies = [{ status: 400, message: 'invalid argument' }];
    await expect(providers.writer.understand(learner, signal())).rejects.toMatchObject({
      code: 'model_request_rejected',
    });
  });

  it('honours the stage signal: a hanging call is aborted', async () => {
    wire.vertex.replies = [{ hang: true }];
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 150);
    const started = performance.now();
    const err = await providers.writer
      .understand(learner, controller.signal)
      .catch((e: unknown) => e);
    expect((err as Error).name).toMatch(/AbortError/);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it.each([
    ['a blocked prompt', { raw: { promptFeedback: { blockReason: 'SAFETY' } } }, 'content_blocked'],
    ['a safety stop', { text: '{}', finishReason: 'SAFETY' }, 'content_blocked'],
    ['no candidates', { raw: { candidates: [] } }, 'empty_model_reply'],
    [
      'a candidate without content',
      { raw: { candidates: [{ finishReason: 'STOP' }] } },
      'empty_model_reply',
    ],
  ] as const)('%s is permanent (%s)', async (_name, reply, code) => {
    wire.vertex.replies = [reply];
    const err = await providers.writer.understand(learner, signal()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermanentError);
    expect(err).toMatchObject({ code });
  });

  it('repairs invalid JSON once, showing the model its answer and the problem', async () => {
    wire.vertex.replies = [
      { text: '{"answerable": tru' },
      { text: JSON.stringify(understanding), usage: [10, 5] },
    ];
    const written = await providers.writer.understand(learner, signal());
    expect(written.value).toEqual(understanding);
    const second = wire.vertex.bodies()[1]!.body as {
      contents: { role: string; parts: { text: string }[] }[];
    };
    expect(second.contents.map((c) => c.role)).toEqual(['user', 'model', 'user']);
    expect(second.contents[2]!.parts[0]!.text).toContain('not valid JSON');
    expect(written.usage?.input_tokens).toBe(1010);
  });

  it('fails permanently when the answer breaks the schema twice', async () => {
    const bad = JSON.stringify({ ...understanding, subject: 'astrology' });
    wire.vertex.replies = [{ text: bad }, { text: bad }];
    const err = await providers.writer.understand(learner, signal()).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'invalid_model_output' });
    expect((err as Error).message).toMatch(/subject must be equal to one of the allowed values/);
    expect(wire.vertex.requests).toHaveLength(2);
  });
});
