/**
 * Narration with Cloud Text-to-Speech (@google-cloud/text-to-speech): MP3, a
 * voice chosen from the language, text split under the 5000-byte limit, and
 * the duration read from the MP3 frames for the renderer. The client uses the
 * REST transport (`fallback`): one HTTP stack, and no gRPC channel to set up
 * at cold start.
 */
import type { TextToSpeechClient } from '@google-cloud/text-to-speech';
import { mp3DurationSeconds } from '../../media/mp3.js';
import { TransientError, PermanentError } from '../../pipeline/pipeline.js';
import type { Speech, SpeechAudio } from '../speech.js';
import { chunkText } from './text-chunks.js';

/** MP3 in the API's enum (the REST transport sends enums as numbers). */
export const MP3 = 'MP3' as const;

export function voiceFor(
  language: string,
  voices: Readonly<Record<string, string>>,
): { languageCode: string; name?: string } {
  const name = voices[language];
  return name ? { languageCode: language, name } : { languageCode: language };
}

function classify(err: unknown): Error {
  const e = err as { code?: unknown; name?: string; message?: string };
  if (e?.name === 'AbortError') return err as Error;
  // gRPC status codes: 3 INVALID_ARGUMENT (e.g. an unsupported language) can never succeed.
  if (e?.code === 3)
    return new PermanentError(
      'speech_request_rejected',
      `Text-to-Speech refused the request: ${String(e.message).slice(0, 200)}`,
      { cause: err },
    );
  return new TransientError(
    'speech_unavailable',
    `Text-to-Speech failed: ${String(e?.message ?? err).slice(0, 200)}`,
    { cause: err },
  );
}

export function createCloudSpeech(options: {
  client: () => Promise<TextToSpeechClient>;
  voices: Readonly<Record<string, string>>;
}): Speech {
  return {
    async synthesize(text: string, language: string, signal: AbortSignal): Promise<SpeechAudio> {
      const client = await options.client();
      const parts: Buffer[] = [];
      for (const chunk of chunkText(text)) {
        signal.throwIfAborted();
        try {
          // Few SDK retries: the delivery's own retry (redelivery) takes over, and the stage deadline bounds it all.
          const call = client.synthesizeSpeech(
            {
              input: { text: chunk },
              voice: voiceFor(language, options.voices),
              audioConfig: { audioEncoding: MP3 },
            },
            { timeout: 30_000, maxRetries: 2 },
          );
          const cancel = () => (call as { cancel?: () => void }).cancel?.();
          signal.addEventListener('abort', cancel, { once: true });
          const [response] = await call.finally(() => signal.removeEventListener('abort', cancel));
          const audio = response.audioContent;
          if (!audio || audio.length === 0)
            throw new TransientError('speech_empty', 'Text-to-Speech returned no audio');
          parts.push(typeof audio === 'string' ? Buffer.from(audio, 'base64') : Buffer.from(audio));
        } catch (err) {
          throw classify(err);
        }
      }
      signal.throwIfAborted();
      // MP3 frames concatenate: the parts play as one file.
      const audio = Buffer.concat(parts);
      return {
        audio,
        contentType: 'audio/mpeg',
        extension: 'mp3',
        durationSeconds: mp3DurationSeconds(audio),
      };
    },
  };
}
