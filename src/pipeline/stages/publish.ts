/** publish: the lesson JSON and Markdown as artifacts, and the request's result with every artifact's URI. */
import type { LessonResult } from '../../contract/types.js';
import type { ObjectStorage } from '../../providers/object-storage.js';
import { lessonMarkdown } from '../lesson-markdown.js';
import { outputOf, type Stage } from '../stage.js';
import type { NarrateOutput } from './narrate.js';
import type { RenderOutput } from './render.js';
import type { RetrieveOutput } from './retrieve.js';
import type { ScriptOutput } from './script.js';

export function publishStage(storage: ObjectStorage): Stage {
  return {
    name: 'publish',
    async run({ request, signal, outputs }) {
      const { script, generator } = outputOf<ScriptOutput>(outputs, 'script');
      const { passages } = outputOf<RetrieveOutput>(outputs, 'retrieve');
      const video = request.modality === 'video';
      const narration = video ? outputOf<NarrateOutput>(outputs, 'narrate') : undefined;
      const render = video ? outputOf<RenderOutput>(outputs, 'render') : undefined;
      const sources = passages.map((p) => ({ id: p.id, title: p.title, source: p.source }));

      const lesson = {
        request_id: request.id,
        grade_level: request.gradeLevel,
        interest: request.interest,
        language: request.language,
        modality: request.modality,
        ...script,
        sources,
        generator,
        ...(narration ? { audio: narration.scenes.map((s) => s.uri) } : {}),
        ...(render ? { video: render.video_uri, duration_seconds: render.duration_seconds } : {}),
      };
      const base = `requests/${request.id}`;
      const [lessonJson, lessonMd] = await Promise.all([
        storage.put(
          `${base}/lesson.json`,
          Buffer.from(JSON.stringify(lesson, null, 2)),
          'application/json',
          signal,
        ),
        storage.put(
          `${base}/lesson.md`,
          Buffer.from(lessonMarkdown(script, sources, generator.note)),
          'text/markdown; charset=utf-8',
          signal,
        ),
      ]);
      const result: LessonResult = {
        title: script.title,
        summary: script.summary,
        modality: request.modality,
        generator,
        artifacts: {
          lesson_json: lessonJson,
          lesson_markdown: lessonMd,
          ...(narration ? { audio: narration.scenes.map((s) => s.uri) } : {}),
          ...(render ? { video: render.video_uri } : {}),
        },
        ...(render ? { duration_seconds: render.duration_seconds } : {}),
      };
      return result;
    },
  };
}
