/**
 * Offline speech with espeak-ng: the system binary when present (a separate
 * process, fast), else the npm WASM build. Either way WAV, and GPL code stays
 * out of our process unless the fallback is needed. Production speaks with
 * Cloud Text-to-Speech instead.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { delimiter, join } from 'node:path';
import { readWavInfo } from '../../media/wav.js';
import { TransientError } from '../../pipeline/pipeline.js';
import type { Speech, SpeechAudio } from '../speech.js';
import { createWasmSpeaker, type WasmSpeaker } from './espeak-wasm-workers.js';

export function findOnPath(binary: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, binary);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** BCP-47 → espeak voice: en-US → en-us, fr-CA → fr; unknown tags fall back to English. */
export function espeakVoice(language: string): string {
  const lower = language.toLowerCase();
  if (lower.startsWith('en-gb')) return 'en-gb';
  if (lower.startsWith('en')) return 'en-us';
  const base = lower.split('-')[0] ?? 'en';
  return /^[a-z]{2,3}$/.test(base) ? base : 'en-us';
}

const WORDS_PER_MINUTE = '160';

function speakWithBinary(
  binary: string,
  text: string,
  voice: string,
  signal: AbortSignal,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, ['-v', voice, '-s', WORDS_PER_MINUTE, '--stdout'], {
      stdio: ['pipe', 'pipe', 'pipe'],
      signal,
    });
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve(Buffer.concat(chunks))
        : reject(
            new TransientError(
              'speech_failed',
              `espeak-ng exited with ${code}: ${stderr.slice(0, 200)}`,
            ),
          ),
    );
    child.stdin.end(text);
  });
}

export function createEspeakSpeech(
  options: { binary?: string | undefined } = {},
): Speech & { engine: string } {
  const binary = options.binary ?? findOnPath('espeak-ng');
  let wasm: WasmSpeaker | undefined;
  const speakWithWasm = (text: string, voice: string, signal: AbortSignal) => {
    // One worker fewer than the cores: the event loop keeps a core of its own (a 2-core instance speaks on one).
    wasm ??= createWasmSpeaker(Math.max(1, availableParallelism() - 1));
    return wasm(['-v', voice, '-s', WORDS_PER_MINUTE, '-w', '/out.wav', text], signal);
  };
  return {
    engine: binary ? `espeak-ng (${binary})` : 'espeak-ng (npm WASM)',
    async synthesize(text: string, language: string, signal: AbortSignal): Promise<SpeechAudio> {
      const voice = espeakVoice(language);
      const audio = binary
        ? await speakWithBinary(binary, text, voice, signal)
        : await speakWithWasm(text, voice, signal);
      return {
        audio,
        contentType: 'audio/wav',
        extension: 'wav',
        durationSeconds: readWavInfo(audio).durationSeconds,
      };
    },
  };
}
