/** Cloud Text-to-Speech REST (`POST /v1/text:synthesize`): a real MP3 of a tone, as long as the text would take to say. */
import { execFileSync } from 'node:child_process';
import { resolveFfmpeg } from '../../src/providers/ffmpeg/ffmpeg-encoder.js';
import { json, startHttpFake, type HttpFake } from './http-fake.js';

export const WORDS_PER_SECOND = 2.5;

export function toneMp3(seconds: number): Buffer {
  return execFileSync(
    resolveFfmpeg(undefined),
    [
      '-loglevel',
      'error',
      '-f',
      'lavfi',
      '-i',
      `sine=frequency=440:duration=${seconds.toFixed(2)}`,
      '-ac',
      '1',
      '-ar',
      '24000',
      '-c:a',
      'libmp3lame',
      '-b:a',
      '32k',
      '-f',
      'mp3',
      'pipe:1',
    ],
    {
      maxBuffer: 64 * 1024 * 1024,
    },
  );
}

export interface TtsFake extends HttpFake {
  /** Statuses to answer with before succeeding (e.g. [503]). */
  failures: number[];
  bodies(): {
    input: { text: string };
    voice: { languageCode: string; name?: string };
    audioConfig: { audioEncoding: unknown };
  }[];
}

export async function startTtsFake(): Promise<TtsFake> {
  const failures: number[] = [];
  const fake = await startHttpFake((req, res) => {
    if (req.method !== 'POST' || !req.url.startsWith('/v1/text:synthesize'))
      return json(res, 404, { error: { code: 404, message: 'not found' } });
    const failure = failures.shift();
    if (failure)
      return json(res, failure, {
        error: { code: failure, message: 'backend unavailable', status: 'UNAVAILABLE' },
      });
    const body = JSON.parse(req.body.toString('utf8')) as { input: { text: string } };
    if (Buffer.byteLength(body.input.text) > 5000)
      return json(res, 400, {
        error: { code: 400, message: 'input longer than 5000 bytes', status: 'INVALID_ARGUMENT' },
      });
    const seconds = Math.max(0.5, body.input.text.split(/\s+/).length / WORDS_PER_SECOND);
    json(res, 200, { audioContent: toneMp3(seconds).toString('base64') });
  });
  return Object.assign(fake, {
    failures,
    bodies: () => fake.requests.map((r) => JSON.parse(r.body.toString('utf8'))),
  });
}
