/** render: one slide per scene plus the narration, encoded to an MP4 in a child process. */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { ObjectStorage } from '../../providers/object-storage.js';
import type { VideoEncoder } from '../../providers/video-encoder.js';
import { outputOf, type Stage } from '../stage.js';
import type { NarrateOutput } from './narrate.js';
import type { ScriptOutput } from './script.js';

export type RenderOutput = { video_uri: string; duration_seconds: number; slides: number };

export function renderStage(encoder: VideoEncoder, storage: ObjectStorage): Stage {
  return {
    name: 'render',
    async run({ request, signal, outputs }) {
      const { script } = outputOf<ScriptOutput>(outputs, 'script');
      const narration = outputOf<NarrateOutput>(outputs, 'narrate');
      // Canvas (a native module) loads with the first video, not at start.
      const { renderSlide } = await import('../../media/slides.js');
      const workDir = await mkdtemp(join(tmpdir(), `render-${request.id}-`));
      try {
        const slides: { path: string; durationSeconds: number }[] = [];
        const audio: string[] = [];
        for (const [i, scene] of script.scenes.entries()) {
          const narrated = narration.scenes[i];
          if (!narrated) throw new Error(`render: scene ${i + 1} has no narration`);
          const png = await renderSlide({
            heading: scene.heading,
            bullets: scene.bullets,
            footer: request.interest ? `For fans of ${request.interest}` : 'content-worker lesson',
            index: i,
            total: script.scenes.length,
          });
          const slidePath = join(workDir, `slide-${i + 1}.png`);
          await writeFile(slidePath, png);
          slides.push({ path: slidePath, durationSeconds: narrated.duration_seconds });
          const audioPath = join(
            workDir,
            `scene-${i + 1}${extname(new URL(narrated.uri).pathname) || '.audio'}`,
          );
          await writeFile(audioPath, await storage.get(narrated.uri, signal));
          audio.push(audioPath);
          // Each slide is a few tens of ms of CPU: let deliveries in flight breathe between them.
          await yieldToEventLoop();
          signal.throwIfAborted();
        }
        const outputPath = join(workDir, 'lesson.mp4');
        await encoder.encode({ workDir, slides, audio, outputPath }, signal);
        const videoUri = await storage.put(
          `requests/${request.id}/lesson.mp4`,
          await readFile(outputPath),
          'video/mp4',
          signal,
        );
        const output: RenderOutput = {
          video_uri: videoUri,
          duration_seconds: narration.total_seconds,
          slides: slides.length,
        };
        return output;
      } finally {
        await rm(workDir, { recursive: true, force: true });
      }
    },
  };
}
