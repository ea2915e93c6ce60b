/** narrate: speech for every scene, stored as artifacts, with each scene's duration for the renderer. */
import pLimit from 'p-limit';
import type { Scene } from '../../contract/types.js';
import type { ObjectStorage } from '../../providers/object-storage.js';
import type { Speech } from '../../providers/speech.js';
import { outputOf, type Stage } from '../stage.js';
import type { ScriptOutput } from './script.js';

export type NarratedScene = { uri: string; content_type: string; duration_seconds: number };
export type NarrateOutput = { scenes: NarratedScene[]; total_seconds: number };

const SCENES_AT_ONCE = 3;

export function narrateStage(speech: Speech, storage: ObjectStorage): Stage {
  return {
    name: 'narrate',
    async run({ request, signal, outputs }) {
      const { script } = outputOf<ScriptOutput>(outputs, 'script');
      const narrateScene = async (scene: Scene, i: number): Promise<NarratedScene> => {
        signal.throwIfAborted();
        const spoken = await speech.synthesize(
          `${scene.heading}. ${scene.narration}`,
          request.language,
          signal,
        );
        const uri = await storage.put(
          `requests/${request.id}/audio/scene-${String(i + 1).padStart(2, '0')}.${spoken.extension}`,
          spoken.audio,
          spoken.contentType,
          signal,
        );
        return {
          uri,
          content_type: spoken.contentType,
          duration_seconds: Number(spoken.durationSeconds.toFixed(3)),
        };
      };
      // Scenes side by side: speech is the slow part of a video lesson, and each scene stands alone.
      // Once one fails the stage has failed: the scenes still queued never start.
      const limit = pLimit(SCENES_AT_ONCE);
      const scenes = await Promise.all(
        script.scenes.map((scene, i) =>
          limit(() => narrateScene(scene, i)).catch((err: unknown) => {
            limit.clearQueue();
            throw err;
          }),
        ),
      );
      const output: NarrateOutput = {
        scenes,
        total_seconds: Number(scenes.reduce((s, x) => s + x.duration_seconds, 0).toFixed(3)),
      };
      return output;
    },
  };
}
