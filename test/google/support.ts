/** The Google providers built exactly as production builds them, pointed at the wire fakes with a fake access token. */
import { OAuth2Client } from 'google-auth-library';
import { pino } from 'pino';
import type { GoogleConfig } from '../../src/config/config.js';
import { compileValidators } from '../../src/contract/validators.js';
import type { Database } from '../../src/db/database.js';
import { createGoogleProviders } from '../../src/providers/google/google-providers.js';
import { startGcsFake, type GcsFake } from '../fakes/gcs.js';
import { startTtsFake, type TtsFake } from '../fakes/tts.js';
import { startVertexFake, type VertexFake } from '../fakes/vertex.js';

export interface GoogleWire {
  vertex: VertexFake;
  tts: TtsFake;
  gcs: GcsFake;
  google: GoogleConfig;
  close(): Promise<void>;
}

export async function startGoogleWire(): Promise<GoogleWire> {
  const [vertex, tts, gcs] = await Promise.all([startVertexFake(), startTtsFake(), startGcsFake()]);
  return {
    vertex,
    tts,
    gcs,
    google: {
      projectId: 'proj-1',
      location: 'europe-west4',
      model: 'gemini-2.5-flash',
      bucket: 'lessons-bucket',
      voices: { 'en-US': 'en-US-Neural2-F' },
      vertexEndpoint: vertex.url,
      ttsEndpoint: tts.url,
      storageEndpoint: gcs.url,
    },
    close: async () => {
      await Promise.all([vertex.close(), tts.close(), gcs.close()]);
    },
  };
}

export function fakeAuthClient(): OAuth2Client {
  const client = new OAuth2Client();
  client.setCredentials({ access_token: 'test-access-token', expiry_date: Date.now() + 3_600_000 });
  return client;
}

export function googleProviders(wire: GoogleWire, db: Database) {
  return createGoogleProviders({
    google: wire.google,
    config: { ffmpegPath: undefined, renderConcurrency: 1 },
    db,
    logger: pino({ level: 'silent' }),
    validators: compileValidators(),
    authClient: fakeAuthClient(),
  });
}
