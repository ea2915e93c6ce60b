import { createCanvas, loadImage } from '@napi-rs/canvas';
import { describe, expect, it } from 'vitest';
import { renderSlide, SLIDE_HEIGHT, SLIDE_WIDTH } from '../../src/media/slides.js';
import { readWavInfo } from '../../src/media/wav.js';
import { createEspeakSpeech, espeakVoice } from '../../src/providers/offline/espeak-speech.js';
import { createWasmSpeaker } from '../../src/providers/offline/espeak-wasm-workers.js';
import { ffmpegArgs, slideList } from '../../src/providers/ffmpeg/ffmpeg-encoder.js';

async function darkPixels(
  png: Buffer,
  region: { x: number; y: number; w: number; h: number },
): Promise<number> {
  const image = await loadImage(png);
  const canvas = createCanvas(image.width, image.height);
  const ctx = canvas.getContext('2d');
  ctx.drawImage(image, 0, 0);
  const { data } = ctx.getImageData(region.x, region.y, region.w, region.h);
  let dark = 0;
  for (let i = 0; i < data.length; i += 4) if (data[i]! + data[i + 1]! + data[i + 2]! < 200) dark++;
  return dark;
}

describe('slides', () => {
  it('render 1280x720 with visible text (a font is registered, so the slide is not blank)', async () => {
    const png = await renderSlide({
      heading: 'Why balls bounce',
      bullets: ['A ball squashes and springs back.', 'Hard floors return more energy.'],
      footer: 'For fans of basketball',
      index: 0,
      total: 3,
    });
    const image = await loadImage(png);
    expect([image.width, image.height]).toEqual([SLIDE_WIDTH, SLIDE_HEIGHT]);
    // The bullet area is light paper; text makes dark pixels there.
    expect(await darkPixels(png, { x: 60, y: 190, w: 1100, h: 200 })).toBeGreaterThan(2000);
    const empty = await renderSlide({ heading: '', bullets: [], footer: '', index: 0, total: 1 });
    expect(await darkPixels(empty, { x: 60, y: 190, w: 1100, h: 200 })).toBe(0);
  });
});

describe('narration', () => {
  it('reads durations from WAV headers', () => {
    const header = Buffer.alloc(44);
    header.write('RIFF', 0, 'ascii');
    header.write('WAVE', 8, 'ascii');
    header.write('fmt ', 12, 'ascii');
    header.writeUInt32LE(16, 16);
    header.writeUInt16LE(1, 20);
    header.writeUInt16LE(1, 22);
    header.writeUInt32LE(22050, 24);
    header.writeUInt32LE(44100, 28);
    header.writeUInt16LE(2, 32);
    header.writeUInt16LE(16, 34);
    header.write('data', 36, 'ascii');
    header.writeUInt32LE(88200, 40);
    const wav = Buffer.concat([header, Buffer.alloc(88200)]);
    expect(readWavInfo(wav)).toMatchObject({ sampleRate: 22050, channels: 1, durationSeconds: 2 });
    expect(() => readWavInfo(Buffer.from('not a wav file at all'))).toThrow(/wav_invalid/);
  });

  it('speaks offline with espeak-ng into a WAV whose length fits the text', async () => {
    const speech = createEspeakSpeech();
    const short = await speech.synthesize('Gravity pulls.', 'en-US', new AbortController().signal);
    const long = await speech.synthesize(
      'Gravity pulls everything toward the ground, and a ball dropped from a height speeds up as it falls.',
      'en-US',
      new AbortController().signal,
    );
    expect(short.contentType).toBe('audio/wav');
    expect(short.durationSeconds).toBeGreaterThan(0.3);
    expect(long.durationSeconds).toBeGreaterThan(short.durationSeconds * 2);
  });

  it('runs the WASM build on worker threads: the event loop turns while it speaks, and an abort stops it', async () => {
    const speak = createWasmSpeaker(1);
    const text = 'Gravity pulls everything toward the ground. '.repeat(8);
    const args = ['-v', 'en-us', '-w', '/out.wav', text];
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 5);
    const wav = await speak(args, new AbortController().signal);
    clearInterval(ticker);
    expect(readWavInfo(wav).durationSeconds).toBeGreaterThan(5);
    // On the main thread the whole synthesis is one synchronous run: no timer could fire during it.
    expect(ticks).toBeGreaterThan(2);

    const aborted = new AbortController();
    const pending = speak(args, aborted.signal);
    setTimeout(() => aborted.abort(new Error('stage deadline')), 20);
    await expect(pending).rejects.toThrow('stage deadline');
    // The aborted run's worker was terminated; the next call gets a fresh one.
    expect(
      readWavInfo(await speak(args, new AbortController().signal)).durationSeconds,
    ).toBeGreaterThan(5);
  });

  it('maps BCP-47 tags to espeak voices', () => {
    expect(['en-US', 'en-GB', 'fr-CA', 'es', 'x-klingon-1'].map(espeakVoice)).toEqual([
      'en-us',
      'en-gb',
      'fr',
      'es',
      'en-us',
    ]);
  });
});

describe('the encoder command', () => {
  it('lists each slide for its scene and repeats the last, quoting paths', () => {
    expect(
      slideList([
        { path: "/t/it's.png", durationSeconds: 1.5 },
        { path: '/t/b.png', durationSeconds: 2 },
      ]),
    ).toBe(
      "file '/t/it'\\''s.png'\nduration 1.500\nfile '/t/b.png'\nduration 2.000\nfile '/t/b.png'\n",
    );
  });

  it('encodes H.264 + AAC with faststart at a still-image frame rate', () => {
    const args = ffmpegArgs('s.txt', 'a.txt', 'out.mp4').join(' ');
    expect(args).toContain('-c:v libx264');
    expect(args).toContain('-c:a aac');
    expect(args).toContain('-movflags +faststart');
    expect(args).toContain('fps=2');
  });
});

describe('the encoder process', () => {
  // A stand-in ffmpeg on the command line (the wire the encoder speaks): it logs when it runs, sleeps, and writes its output file.
  async function fakeFfmpeg(seconds: number) {
    const { mkdtemp, writeFile, chmod } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = await mkdtemp(join(tmpdir(), 'fake-ffmpeg-'));
    const log = join(dir, 'runs.log');
    const bin = join(dir, 'ffmpeg');
    await writeFile(
      bin,
      `#!/bin/sh\necho "start $(date +%s%N)" >> ${log}\nsleep ${seconds}\nfor last; do :; done\ntouch "$last"\necho "end $(date +%s%N)" >> ${log}\n`,
    );
    await chmod(bin, 0o755);
    return { dir, bin, log };
  }

  it('runs at most RENDER_CONCURRENCY encodes at once', async () => {
    const { createFfmpegEncoder } = await import('../../src/providers/ffmpeg/ffmpeg-encoder.js');
    const { readFile } = await import('node:fs/promises');
    const fake = await fakeFfmpeg(0.3);
    const encoder = createFfmpegEncoder({ ffmpegPath: fake.bin, concurrency: 1 });
    const job = (n: number) => ({
      workDir: fake.dir,
      slides: [{ path: 'a.png', durationSeconds: 1 }],
      audio: ['a.wav'],
      outputPath: `${fake.dir}/out-${n}.mp4`,
    });
    await Promise.all([
      encoder.encode(job(1), new AbortController().signal),
      encoder.encode(job(2), new AbortController().signal),
    ]);
    const events = (await readFile(fake.log, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => l.split(' ')[0]);
    expect(events).toEqual(['start', 'end', 'start', 'end']);
  });

  it('kills ffmpeg when the stage aborts', async () => {
    const { createFfmpegEncoder } = await import('../../src/providers/ffmpeg/ffmpeg-encoder.js');
    const fake = await fakeFfmpeg(10);
    const encoder = createFfmpegEncoder({ ffmpegPath: fake.bin, concurrency: 1 });
    const controller = new AbortController();
    const started = performance.now();
    const run = encoder.encode(
      {
        workDir: fake.dir,
        slides: [{ path: 'a.png', durationSeconds: 1 }],
        audio: ['a.wav'],
        outputPath: `${fake.dir}/out.mp4`,
      },
      controller.signal,
    );
    setTimeout(() => controller.abort(new Error('stage deadline')), 100);
    await expect(run).rejects.toThrow('stage deadline');
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('reports a failing ffmpeg as a transient encoder_failed error with its message', async () => {
    const { createFfmpegEncoder } = await import('../../src/providers/ffmpeg/ffmpeg-encoder.js');
    const { writeFile, chmod } = await import('node:fs/promises');
    const fake = await fakeFfmpeg(0);
    await writeFile(
      fake.bin,
      '#!/bin/sh\necho "Invalid data found when processing input" >&2\nexit 1\n',
    );
    await chmod(fake.bin, 0o755);
    const encoder = createFfmpegEncoder({ ffmpegPath: fake.bin, concurrency: 1 });
    await expect(
      encoder.encode(
        { workDir: fake.dir, slides: [], audio: [], outputPath: `${fake.dir}/o.mp4` },
        new AbortController().signal,
      ),
    ).rejects.toMatchObject({
      code: 'encoder_failed',
      message: expect.stringContaining('Invalid data found'),
    });
  });
});
