/** A whole video lesson on the Google providers (against their wire fakes), through POST /pubsub/push. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STAGES, type StageName } from '../../src/config/config.js';
import { compileValidators } from '../../src/contract/validators.js';
import { createLessonPipeline } from '../../src/pipeline/lesson-pipeline.js';
import { parseGsUri } from '../../src/providers/google/cloud-storage.js';
import { buildTestApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { contentRequest, envelope } from '../support/envelope.js';
import { loadStarterCorpus } from '../support/lesson-pipeline.js';
import { readMp4 } from '../support/mp4.js';
import type { Recorded } from '../fakes/http-fake.js';
import { googleProviders, startGoogleWire, type GoogleWire } from './support.js';

let t: TestDatabase;
let wire: GoogleWire;
beforeAll(async () => {
  t = await createTestDatabase();
  await loadStarterCorpus(t.db);
  wire = await startGoogleWire();
  // A model that answers whichever schema it is asked for, citing the passages it was given.
  wire.vertex.fallback = (req: Recorded) => {
    const body = JSON.parse(req.body.toString('utf8')) as {
      generationConfig: { responseJsonSchema: { required: string[] } };
      contents: { parts: { text: string }[] }[];
    };
    if (body.generationConfig.responseJsonSchema.required.includes('answerable')) {
      return {
        text: JSON.stringify({
          answerable: true,
          topic: 'bouncing balls',
          subject: 'science',
          key_concepts: ['energy', 'bounce'],
          search_terms: ['bounce', 'ball', 'energy', 'floor'],
          clarifying_questions: [],
        }),
      };
    }
    const ids = [...body.contents[0]!.parts[0]!.text.matchAll(/^\[([^\]]+)\]/gm)].map((m) => m[1]!);
    return {
      text: JSON.stringify({
        title: 'Why a basketball bounces',
        summary: 'A ball stores energy when it squashes and gives it back.',
        scenes: ['Squash', 'Spring back', 'Hard floors win'].map((heading) => ({
          heading,
          narration: `${heading}: when a ball hits the floor it squashes and springs back up, like in basketball.`,
          bullets: [heading],
          sources: ids.slice(0, 1),
        })),
        check_questions: [1, 2, 3].map((i) => ({
          question: `Question ${i}?`,
          answer: `Answer ${i}.`,
        })),
      }),
    };
  };
});
afterAll(async () => {
  await wire.close();
  await t.close();
});

describe('a lesson on the Google providers', () => {
  it('video: Gemini writes, Cloud TTS speaks, Cloud Storage keeps it all; the result holds gs:// URIs', async () => {
    const providers = googleProviders(wire, t.db);
    const timeouts = Object.fromEntries(STAGES.map((s) => [s, 60_000])) as Record<
      StageName,
      number
    >;
    const ta = await buildTestApp(t.db, {
      pipeline: createLessonPipeline(providers, compileValidators(), timeouts),
    });
    const payload = contentRequest({
      modality: 'video',
      student_query: 'Why does a basketball bounce higher on a hard floor?',
      grade_level: 6,
    });
    const res = await ta.app.inject({
      method: 'POST',
      url: '/pubsub/push',
      payload: envelope(payload),
    });
    expect(res.json()).toMatchObject({ outcome: 'completed' });

    const row = await t.db
      .selectFrom('content_requests')
      .selectAll()
      .where('id', '=', payload.request_id as string)
      .executeTakeFirstOrThrow();
    const result = row.result as {
      generator: Record<string, string>;
      artifacts: { lesson_json: string; lesson_markdown: string; audio: string[]; video: string };
    };
    expect(result.generator).toEqual({
      kind: 'gemini',
      model: 'gemini-2.5-flash',
      prompt_version: 'script-v1',
    });
    const uris = [
      result.artifacts.lesson_json,
      result.artifacts.lesson_markdown,
      result.artifacts.video,
      ...result.artifacts.audio,
    ];
    for (const uri of uris)
      expect(uri).toMatch(new RegExp(`^gs://lessons-bucket/requests/${payload.request_id}/`));
    expect(result.artifacts.audio).toHaveLength(3);

    const object = (uri: string) =>
      wire.gcs.objects.get(`${parseGsUri(uri).bucket}/${parseGsUri(uri).name}`)!;
    expect(object(result.artifacts.video).contentType).toBe('video/mp4');
    expect(object(result.artifacts.audio[0]!).contentType).toBe('audio/mpeg');
    expect(object(result.artifacts.lesson_json).contentType).toBe('application/json');
    const mp4 = readMp4(object(result.artifacts.video).data);
    expect(mp4.tracks.map((tr) => `${tr.handler}:${tr.codec}`).sort()).toEqual([
      'soun:mp4a',
      'vide:avc1',
    ]);
    const lesson = JSON.parse(object(result.artifacts.lesson_json).data.toString('utf8'));
    expect(lesson.sources[0].id).toBe('science/bouncing-balls-energy');

    // Token counts and the estimated cost are stored with the stages that called the model.
    const stages = await t.db
      .selectFrom('stage_runs')
      .select(['stage', 'output'])
      .where('request_id', '=', payload.request_id as string)
      .execute();
    const usage = (stage: string) =>
      (stages.find((s) => s.stage === stage)!.output as { usage: Record<string, number> }).usage;
    expect(usage('understand')).toEqual({
      input_tokens: 1000,
      output_tokens: 500,
      estimated_cost_usd: 0.00155,
    });
    expect(usage('script').estimated_cost_usd).toBeGreaterThan(0);
    expect(wire.tts.bodies()).toHaveLength(3);
    const logged = ta.logs.filter((l) => l.message === 'model usage');
    expect(logged.map((l) => l.stage)).toEqual(['understand', 'script']);
    expect(logged[0]).toMatchObject({
      model: 'gemini-2.5-flash',
      usage: { input_tokens: 1000, output_tokens: 500 },
      request_id: payload.request_id,
    });
  }, 60_000);
});
