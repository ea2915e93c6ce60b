import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TransientError } from '../../src/pipeline/pipeline.js';
import { chunkText } from '../../src/providers/google/text-chunks.js';
import type { Providers } from '../../src/providers/providers.js';
import { WORDS_PER_SECOND } from '../fakes/tts.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { googleProviders, startGoogleWire, type GoogleWire } from './support.js';

let t: TestDatabase;
let wire: GoogleWire;
let providers: Providers;
beforeAll(async () => {
  t = await createTestDatabase();
  wire = await startGoogleWire();
  providers = googleProviders(wire, t.db);
});
afterAll(async () => {
  await wire.close();
  await t.close();
});
beforeEach(() => {
  wire.tts.requests.length = 0;
  wire.gcs.requests.length = 0;
});
const signal = () => new AbortController().signal;

describe('Cloud Text-to-Speech through @google-cloud/text-to-speech', () => {
  it('asks for MP3 in the configured voice and times the audio from its frames', async () => {
    const text =
      'Gravity pulls every object toward the ground at the same rate when air is not in the way.';
    const spoken = await providers.speech.synthesize(text, 'en-US', signal());
    expect(spoken).toMatchObject({ contentType: 'audio/mpeg', extension: 'mp3' });
    const expected = text.split(/\s+/).length / WORDS_PER_SECOND;
    expect(Math.abs(spoken.durationSeconds - expected) / expected).toBeLessThan(0.1);
    const [body] = wire.tts.bodies();
    expect(body!.input).toEqual({ text });
    expect(body!.voice).toEqual({ languageCode: 'en-US', name: 'en-US-Neural2-F' });
    expect([2, 'MP3']).toContain(body!.audioConfig.audioEncoding);
    expect(wire.tts.requests[0]!.url).toMatch(/^\/v1\/text:synthesize/);
    expect(wire.tts.requests[0]!.headers.authorization).toBe('Bearer test-access-token');
  });

  it('a language without a configured voice sends only its code', async () => {
    await providers.speech.synthesize('Hola.', 'es-ES', signal());
    expect(wire.tts.bodies()[0]!.voice).toEqual({ languageCode: 'es-ES' });
  });

  it('splits narration over 5000 bytes at sentence boundaries, and the parts play as one', async () => {
    const sentence = 'Plants turn sunlight, water and carbon dioxide into sugar and oxygen. ';
    const text = sentence.repeat(150); // ~10.5 kB
    const spoken = await providers.speech.synthesize(text, 'en-US', signal());
    const sent = wire.tts.bodies().map((b) => b.input.text);
    expect(sent.length).toBe(3);
    expect(sent.every((s) => Buffer.byteLength(s) <= 5000 && s.endsWith('.'))).toBe(true);
    expect(sent.join(' ')).toBe(text.trim());
    const expected = sent.reduce(
      (sum, s) => sum + Math.max(0.5, s.split(/\s+/).length / WORDS_PER_SECOND),
      0,
    );
    expect(Math.abs(spoken.durationSeconds - expected) / expected).toBeLessThan(0.05);
  });

  it('a backend that keeps failing is a transient error', async () => {
    wire.tts.failures.push(...Array(20).fill(503));
    const err = await providers.speech
      .synthesize('Hello there.', 'en-US', signal())
      .catch((e: unknown) => e);
    wire.tts.failures.length = 0;
    expect(err).toBeInstanceOf(TransientError);
    expect(err).toMatchObject({ code: 'speech_unavailable' });
  });

  it('chunks pathological text too: one giant sentence, one giant word, multi-byte characters', () => {
    for (const text of ['word '.repeat(3000), 'x'.repeat(12_000), 'é'.repeat(6000)]) {
      const chunks = chunkText(text);
      expect(chunks.every((c) => Buffer.byteLength(c) <= 5000)).toBe(true);
      expect(chunks.join('').replace(/\s+/g, '')).toBe(text.replace(/\s+/g, ''));
    }
  });
});

describe('Cloud Storage through @google-cloud/storage', () => {
  it('uploads under a deterministic name with its content type and returns a gs:// URI', async () => {
    const uri = await providers.storage.put(
      'requests/abc/lesson.json',
      Buffer.from('{"a":1}'),
      'application/json',
      signal(),
    );
    expect(uri).toBe('gs://lessons-bucket/requests/abc/lesson.json');
    expect(wire.gcs.objects.get('lessons-bucket/requests/abc/lesson.json')).toEqual({
      data: Buffer.from('{"a":1}'),
      contentType: 'application/json',
    });
    const upload = wire.gcs.requests.find((r) => r.method === 'POST')!;
    expect(upload.url).toMatch(
      /^\/upload\/storage\/v1\/b\/lessons-bucket\/o\?.*uploadType=multipart/,
    );
  });

  it('a retry overwrites the same object, and a download reads it back', async () => {
    await providers.storage.put(
      'requests/abc/lesson.md',
      Buffer.from('first'),
      'text/markdown',
      signal(),
    );
    const uri = await providers.storage.put(
      'requests/abc/lesson.md',
      Buffer.from('second'),
      'text/markdown',
      signal(),
    );
    expect([...wire.gcs.objects.keys()].filter((k) => k.endsWith('lesson.md'))).toHaveLength(1);
    expect((await providers.storage.get(uri, signal())).toString()).toBe('second');
  });

  it('a failed upload is a transient error (the redelivery retries it); a missing object is a clear error', async () => {
    wire.gcs.uploadFailures.push(503);
    await expect(
      providers.storage.put(
        'requests/abc/audio/scene-01.mp3',
        Buffer.from([1, 2, 3]),
        'audio/mpeg',
        signal(),
      ),
    ).rejects.toMatchObject({
      code: 'storage_unavailable',
      message: expect.stringContaining('upload of requests/abc/audio/scene-01.mp3'),
    });
    await providers.storage.put(
      'requests/abc/audio/scene-01.mp3',
      Buffer.from([1, 2, 3]),
      'audio/mpeg',
      signal(),
    );
    expect(wire.gcs.objects.has('lessons-bucket/requests/abc/audio/scene-01.mp3')).toBe(true);
    await expect(
      providers.storage.get('gs://lessons-bucket/requests/none', signal()),
    ).rejects.toMatchObject({
      code: 'storage_unavailable',
      message: expect.stringContaining('download of gs://lessons-bucket/requests/none'),
    });
    await expect(providers.storage.get('file:///etc/passwd', signal())).rejects.toThrow(
      /storage_uri_invalid/,
    );
  });
});

describe('the corpus from Cloud Storage', () => {
  it('reads Markdown passages under gs://bucket/prefix', async () => {
    const { Storage } = await import('@google-cloud/storage');
    const { readPassagesFromBucket } = await import('../../src/corpus/ingest.js');
    const { fakeAuthClient } = await import('./support.js');
    const md = (title: string) =>
      Buffer.from(
        `---\ntitle: "${title}"\nsubject: science\ngrades: "3-5"\n---\nText about ${title}.`,
      );
    wire.gcs.objects.set('oer-bucket/corpus/science/volcanoes.md', {
      data: md('Volcanoes'),
      contentType: 'text/markdown',
    });
    wire.gcs.objects.set('oer-bucket/corpus/maths/primes.md', {
      data: md('Primes'),
      contentType: 'text/markdown',
    });
    wire.gcs.objects.set('oer-bucket/corpus/README.md', {
      data: Buffer.from('# not a passage'),
      contentType: 'text/markdown',
    });
    wire.gcs.objects.set('oer-bucket/other/ignored.md', {
      data: md('Ignored'),
      contentType: 'text/markdown',
    });
    const storage = new Storage({
      projectId: 'proj-1',
      apiEndpoint: wire.gcs.url,
      authClient: fakeAuthClient(),
    });
    const passages = await readPassagesFromBucket(storage, 'gs://oer-bucket/corpus/');
    expect(passages.map((p) => [p.id, p.title])).toEqual([
      ['maths/primes', 'Primes'],
      ['science/volcanoes', 'Volcanoes'],
    ]);
    await expect(readPassagesFromBucket(storage, 'oer-bucket/corpus')).rejects.toThrow(
      /corpus_uri_invalid/,
    );
  });
});
