/**
 * MP4 encoding with ffmpeg in a child process (never on the event loop),
 * killed when the stage's signal aborts, at most `concurrency` at once.
 * Settings from ../shared/notes/media-offline.md: still images at 2 fps,
 * H.264 + AAC, faststart.
 */
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { TransientError } from '../../pipeline/pipeline.js';
import { findOnPath } from '../offline/espeak-speech.js';
import type { EncodeJob, VideoEncoder } from '../video-encoder.js';

/** FFMPEG_PATH, else `ffmpeg` on the PATH, else the static build shipped by @ffmpeg-installer/ffmpeg. */
export function resolveFfmpeg(configured: string | undefined): string {
  if (configured) return configured;
  const onPath = findOnPath('ffmpeg');
  if (onPath) return onPath;
  try {
    const require = createRequire(import.meta.url);
    return (require('@ffmpeg-installer/ffmpeg') as { path: string }).path;
  } catch {
    throw new Error(
      'ffmpeg_missing: no ffmpeg found; install one, set FFMPEG_PATH, or keep the optional @ffmpeg-installer/ffmpeg dependency',
    );
  }
}

const quote = (path: string) => `'${path.replace(/'/g, `'\\''`)}'`;

/** The concat demuxer's list: each slide for its duration; the last repeated so its duration holds. */
export function slideList(slides: EncodeJob['slides']): string {
  const lines = slides.flatMap((s) => [
    `file ${quote(s.path)}`,
    `duration ${s.durationSeconds.toFixed(3)}`,
  ]);
  const last = slides.at(-1);
  if (last) lines.push(`file ${quote(last.path)}`);
  return lines.join('\n') + '\n';
}

export function ffmpegArgs(slidesList: string, audioList: string, output: string): string[] {
  return [
    '-y',
    '-hide_banner',
    '-loglevel',
    'error',
    '-f',
    'concat',
    '-safe',
    '0',
    '-i',
    slidesList,
    '-f',
    'concat',
    '-safe',
    '0',
    '-i',
    audioList,
    '-map',
    '0:v',
    '-map',
    '1:a',
    '-vf',
    'fps=2,format=yuv420p',
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-tune',
    'stillimage',
    '-crf',
    '23',
    // A keyframe every 10 s: seekable, and cheaper than x264's default for slides that barely change.
    '-g',
    '20',
    '-c:a',
    'aac',
    // Speech: mono at its own sample rate, 64 kbit/s. Resampling to 44.1 kHz stereo took half the encode.
    '-b:a',
    '64k',
    '-ac',
    '1',
    '-movflags',
    '+faststart',
    '-shortest',
    output,
  ];
}

export function createFfmpegEncoder(options: {
  ffmpegPath: string;
  concurrency: number;
}): VideoEncoder {
  const limit = pLimit(options.concurrency);
  return {
    encode: (job, signal) =>
      limit(async () => {
        signal.throwIfAborted();
        const slides = join(job.workDir, 'slides.txt');
        const audio = join(job.workDir, 'audio.txt');
        await writeFile(slides, slideList(job.slides));
        await writeFile(audio, job.audio.map((a) => `file ${quote(a)}`).join('\n') + '\n');
        await new Promise<void>((resolve, reject) => {
          const child = spawn(options.ffmpegPath, ffmpegArgs(slides, audio, job.outputPath), {
            stdio: ['ignore', 'ignore', 'pipe'],
            signal,
            killSignal: 'SIGKILL',
          });
          let stderr = '';
          child.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-2000)));
          child.on('error', (err) =>
            reject(
              err.name === 'AbortError'
                ? (signal.reason ?? err)
                : new TransientError('encoder_failed', `ffmpeg could not start: ${err.message}`),
            ),
          );
          child.on('close', (code) =>
            code === 0
              ? resolve()
              : reject(
                  new TransientError(
                    'encoder_failed',
                    `ffmpeg exited with ${code}: ${stderr.trim().slice(-300)}`,
                  ),
                ),
          );
        });
      }),
  };
}
