/** Whole lessons through POST /pubsub/push on the offline providers, against a real database. */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readWavInfo } from '../../src/media/wav.js';
import { PermanentError, TransientError } from '../../src/pipeline/pipeline.js';
import { buildTestApp, type TestApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { contentRequest, envelope } from '../support/envelope.js';
import { buildLessonPipeline, loadStarterCorpus } from '../support/lesson-pipeline.js';
import { readMp4 } from '../support/mp4.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
  await loadStarterCorpus(t.db);
});
afterAll(async () => t.close());

async function push(ta: TestApp, body: unknown) {
  const res = await ta.app.inject({ method: 'POST', url: '/pubsub/push', payload: body as object });
  return { status: res.statusCode, body: res.json() as Record<string, unknown> };
}
const row = (id: string) =>
  t.db.selectFrom('content_requests').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const stageRuns = (id: string) =>
  t.db
    .selectFrom('stage_runs')
    .selectAll()
    .where('request_id', '=', id)
    .orderBy('started_at')
    .execute();
const read = (uri: string) => readFile(fileURLToPath(uri));

describe('a whole lesson, offline', () => {
  it('video: a playable MP4 (H.264 + AAC, faststart) as long as its narration, and the lesson JSON', async () => {
    const lp = buildLessonPipeline(t.db);
    const ta = await buildTestApp(t.db, { pipeline: lp.pipeline });
    const payload = contentRequest({
      modality: 'video',
      student_query: 'Why does a basketball bounce higher on a hard floor?',
      grade_level: 6,
      interest: 'basketball',
    });
    expect(await push(ta, envelope(payload))).toMatchObject({
      status: 200,
      body: { outcome: 'completed' },
    });

    const request = await row(payload.request_id as string);
    const result = request.result as {
      artifacts: { video: string; audio: string[]; lesson_json: string; lesson_markdown: string };
      duration_seconds: number;
      generator: { kind: string };
    };
    expect(result.generator.kind).toBe('offline');
    const narration = (
      await Promise.all(
        result.artifacts.audio.map(async (uri) => readWavInfo(await read(uri)).durationSeconds),
      )
    ).reduce((a, b) => a + b, 0);
    const mp4 = readMp4(await read(result.artifacts.video));
    expect(Math.abs(mp4.durationSeconds - narration) / narration).toBeLessThan(0.1);
    expect(mp4.tracks.map((tr) => `${tr.handler}:${tr.codec}`).sort()).toEqual([
      'soun:mp4a',
      'vide:avc1',
    ]);
    expect(mp4.topLevel.indexOf('moov')).toBeLessThan(mp4.topLevel.indexOf('mdat'));

    const lesson = JSON.parse((await read(result.artifacts.lesson_json)).toString('utf8'));
    expect(lesson.scenes.length).toBeGreaterThanOrEqual(3);
    expect(lesson.scenes.length).toBeLessThanOrEqual(8);
    expect(lesson.check_questions).toHaveLength(3);
    expect(lesson.sources.map((s: { id: string }) => s.id)).toContain(
      'science/bouncing-balls-energy',
    );
    expect((await read(result.artifacts.lesson_markdown)).toString()).toContain(
      '## Check your understanding',
    );
    expect(result.artifacts.video).toMatch(
      new RegExp(`/requests/${payload.request_id}/lesson\\.mp4$`),
    );

    const runs = await stageRuns(payload.request_id as string);
    expect(runs.map((r) => r.stage)).toEqual([
      'understand',
      'retrieve',
      'script',
      'narrate',
      'render',
      'publish',
    ]);
    expect(runs.every((r) => r.status === 'completed' && typeof r.duration_ms === 'number')).toBe(
      true,
    );
    const stageLines = ta.logs.filter((l) => l.message === 'stage finished');
    expect(stageLines.map((l) => l.stage)).toEqual([
      'understand',
      'retrieve',
      'script',
      'narrate',
      'render',
      'publish',
    ]);
    expect(
      stageLines.every(
        (l) => typeof l.duration_ms === 'number' && l.request_id === payload.request_id,
      ),
    ).toBe(true);
  });

  it('text: the lesson without audio or video', async () => {
    const lp = buildLessonPipeline(t.db);
    const ta = await buildTestApp(t.db, { pipeline: lp.pipeline });
    const payload = contentRequest({
      modality: 'text',
      student_query: 'How do plants make food from sunlight?',
      grade_level: 5,
      interest: 'gardening',
    });
    expect(await push(ta, envelope(payload))).toMatchObject({
      status: 200,
      body: { outcome: 'completed' },
    });
    const result = (await row(payload.request_id as string)).result as {
      artifacts: Record<string, unknown>;
    };
    expect(Object.keys(result.artifacts).sort()).toEqual(['lesson_json', 'lesson_markdown']);
    expect(lp.calls).toMatchObject({ synthesize: 0, encode: 0 });
    expect((await stageRuns(payload.request_id as string)).map((r) => r.stage)).toEqual([
      'understand',
      'retrieve',
      'script',
      'publish',
    ]);
  });

  it('an ambiguous query ends as clarification_needed with 1-3 questions stored', async () => {
    const lp = buildLessonPipeline(t.db);
    const ta = await buildTestApp(t.db, { pipeline: lp.pipeline });
    const payload = contentRequest({ student_query: 'what is this thing?' });
    expect(await push(ta, envelope(payload))).toMatchObject({
      status: 200,
      body: { outcome: 'clarification_needed' },
    });
    const request = await row(payload.request_id as string);
    const questions = (request.result as { questions: string[] }).questions;
    expect(request.status).toBe('clarification_needed');
    expect(questions.length).toBeGreaterThanOrEqual(1);
    expect(questions.length).toBeLessThanOrEqual(3);
    expect(lp.calls.writeScript).toBe(0);
  });

  it('a query the corpus has nothing on asks for clarification instead of inventing a lesson', async () => {
    const lp = buildLessonPipeline(t.db);
    const ta = await buildTestApp(t.db, { pipeline: lp.pipeline });
    const payload = contentRequest({
      student_query: 'Explain quantum chromodynamics gluons',
      grade_level: 2,
    });
    expect(await push(ta, envelope(payload))).toMatchObject({
      status: 200,
      body: { outcome: 'clarification_needed' },
    });
    expect((await row(payload.request_id as string)).result).toMatchObject({
      reason: 'no_sources',
    });
  });

  it('a stage that overruns its timeout is cut off within 200 ms of its deadline, and the delivery nacks', async () => {
    const lp = buildLessonPipeline(t.db, {
      timeoutsMs: { understand: 400 },
      // A writer that ignores its signal and never answers.
      override: (p) => ({
        writer: { ...p.writer, understand: () => new Promise(() => undefined) },
      }),
    });
    const ta = await buildTestApp(t.db, { pipeline: lp.pipeline });
    const payload = contentRequest();
    const started = performance.now();
    const res = await push(ta, envelope(payload));
    const elapsed = performance.now() - started;
    expect(res).toMatchObject({ status: 503, body: { outcome: 'retry' } });
    expect(res.body.detail).toMatch(/stage_timeout: stage understand ran past its 0.4 s timeout/);
    expect(elapsed).toBeLessThan(400 + 200 + 150); // deadline + 200 ms, plus the claim and answer around it
    const runs = await stageRuns(payload.request_id as string);
    expect(runs[0]).toMatchObject({ stage: 'understand', status: 'failed' });
    expect(runs[0]!.error).toMatch(/stage_timeout/);
  });

  it('a redelivery after a failure between stages resumes: no provider of a finished stage is called again', async () => {
    let speechFailures = 1;
    const lp = buildLessonPipeline(t.db, {
      override: (p) => ({
        speech: {
          synthesize: async (text, lang, signal) => {
            if (speechFailures-- > 0)
              throw new TransientError('speech_unavailable', 'speech service answered 503');
            return p.speech.synthesize(text, lang, signal);
          },
        },
      }),
    });
    const ta = await buildTestApp(t.db, { pipeline: lp.pipeline });
    const payload = contentRequest({
      modality: 'video',
      student_query: 'How do magnets attract iron?',
      grade_level: 3,
      interest: 'trains',
    });
    expect(await push(ta, envelope(payload, { messageId: 'm-resume' }))).toMatchObject({
      status: 503,
    });
    expect(lp.calls).toMatchObject({ understand: 1, search: 1, writeScript: 1, encode: 0 });
    // Scenes are narrated three at a time: those already started finish, no further scene starts after the failure.
    expect(lp.calls.synthesize).toBe(3);
    expect(await push(ta, envelope(payload, { messageId: 'm-resume' }))).toMatchObject({
      status: 200,
      body: { outcome: 'completed' },
    });
    expect(lp.calls).toMatchObject({ understand: 1, search: 1, writeScript: 1, encode: 1 });
    expect(
      ta.logs
        .filter(
          (l) => l.message === 'stage already done by an earlier delivery; reusing its checkpoint',
        )
        .map((l) => l.stage),
    ).toEqual(['understand', 'retrieve', 'script']);
  });

  it('a process killed mid-pipeline: the redelivery of its message takes over at once and resumes after the last finished stage', async () => {
    // First "process": hangs in narrate forever, as if killed there.
    const hung = buildLessonPipeline(t.db, {
      override: () => ({ speech: { synthesize: () => new Promise(() => undefined) } }),
    });
    const first = await buildTestApp(t.db, { pipeline: hung.pipeline });
    const payload = contentRequest({
      modality: 'video',
      student_query: 'What are fractions?',
      grade_level: 4,
      interest: 'pizza',
    });
    const id = payload.request_id as string;
    void push(first, envelope(payload, { messageId: 'm-killed' }));
    const stageOf = async () =>
      (
        await t.db
          .selectFrom('content_requests')
          .select('current_stage')
          .where('id', '=', id)
          .executeTakeFirst()
      )?.current_stage;
    for (let i = 0; i < 100 && (await stageOf()) !== 'narrate'; i++)
      await new Promise((r) => setTimeout(r, 50));
    expect((await row(id)).current_stage).toBe('narrate');

    // The restarted process gets the same message again.
    const lp = buildLessonPipeline(t.db);
    const second = await buildTestApp(t.db, { pipeline: lp.pipeline });
    expect(await push(second, envelope(payload, { messageId: 'm-killed' }))).toMatchObject({
      status: 200,
      body: { outcome: 'completed' },
    });
    expect(lp.calls).toMatchObject({ understand: 0, search: 0, writeScript: 0, encode: 1 });
    expect(lp.calls.synthesize).toBeGreaterThanOrEqual(3);
    expect(await row(id)).toMatchObject({ status: 'completed', attempt_count: 2 });
    first.shutdown.abort();
  });

  it('a permanent error acks (200) and marks the request failed with an error a person can act on', async () => {
    const lp = buildLessonPipeline(t.db, {
      override: (p) => ({
        writer: {
          ...p.writer,
          writeScript: async () => {
            throw new PermanentError(
              'content_blocked',
              'the model refused to write this lesson (safety)',
            );
          },
        },
      }),
    });
    const ta = await buildTestApp(t.db, { pipeline: lp.pipeline });
    const payload = contentRequest();
    expect(await push(ta, envelope(payload))).toMatchObject({
      status: 200,
      body: { outcome: 'failed_permanently', detail: 'content_blocked' },
    });
    expect(await row(payload.request_id as string)).toMatchObject({
      status: 'failed',
      error_code: 'content_blocked',
      error_message: 'the model refused to write this lesson (safety)',
    });
  });

  it('a writer answer that breaks the schema is a permanent invalid_model_output', async () => {
    const lp = buildLessonPipeline(t.db, {
      override: (p) => ({
        writer: {
          ...p.writer,
          writeScript: async (input, signal) => {
            const written = await p.writer.writeScript(input, signal);
            return {
              ...written,
              value: { ...written.value, scenes: written.value.scenes.slice(0, 1) },
            };
          },
        },
      }),
    });
    const ta = await buildTestApp(t.db, { pipeline: lp.pipeline });
    const payload = contentRequest();
    expect(await push(ta, envelope(payload))).toMatchObject({
      status: 200,
      body: { outcome: 'failed_permanently' },
    });
    const request = await row(payload.request_id as string);
    expect(request.error_code).toBe('invalid_model_output');
    expect(request.error_message).toMatch(/scenes must NOT have fewer than 3 items/);
  });
});
