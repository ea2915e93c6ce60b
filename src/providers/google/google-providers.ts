/**
 * The production providers: Gemini, Cloud Text-to-Speech, Cloud Storage, with
 * ffmpeg and the Postgres corpus. Each Google client is built once, on first
 * use (a cold start pays nothing for a client no request has needed yet).
 */
import type { OAuth2Client } from 'google-auth-library';
import type { Logger } from 'pino';
import type { Config, GoogleConfig } from '../../config/config.js';
import type { ContractValidators } from '../../contract/validators.js';
import { createPostgresCorpus } from '../../corpus/postgres-corpus.js';
import type { Database } from '../../db/database.js';
import { createFfmpegEncoder, resolveFfmpeg } from '../ffmpeg/ffmpeg-encoder.js';
import type { Providers } from '../providers.js';
import { lazy } from '../../runtime/lazy.js';
import { createCloudSpeech } from './cloud-speech.js';
import { createCloudStorage } from './cloud-storage.js';
import { createGeminiLessonWriter } from './gemini-writer.js';

const hostPort = (endpoint: string) => {
  const url = new URL(endpoint);
  return {
    apiEndpoint: url.hostname,
    port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
    protocol: url.protocol.replace(':', ''),
  };
};

export interface GoogleProviderOptions {
  google: GoogleConfig;
  config: Pick<Config, 'ffmpegPath' | 'renderConcurrency'>;
  db: Database;
  logger: Logger;
  validators: ContractValidators;
  /** Tests pass a fake-token client; production uses Application Default Credentials. */
  authClient?: OAuth2Client;
}

export function createGoogleProviders(options: GoogleProviderOptions): Providers {
  const { google, authClient } = options;
  const gemini = lazy(async () => {
    const { GoogleGenAI } = await import('@google/genai');
    // @google/genai bundles its own google-auth-library major: the client is the same shape, a different class.
    type GenAiAuthClient = NonNullable<
      NonNullable<
        NonNullable<ConstructorParameters<typeof GoogleGenAI>[0]>['googleAuthOptions']
      >['authClient']
    >;
    return new GoogleGenAI({
      vertexai: true,
      project: google.projectId,
      location: google.location,
      ...(google.vertexEndpoint ? { httpOptions: { baseUrl: google.vertexEndpoint } } : {}),
      ...(authClient
        ? { googleAuthOptions: { authClient: authClient as unknown as GenAiAuthClient } }
        : {}),
    });
  });
  const tts = lazy(async () => {
    const { TextToSpeechClient } = await import('@google-cloud/text-to-speech');
    return new TextToSpeechClient({
      fallback: true,
      projectId: google.projectId,
      ...(google.ttsEndpoint ? hostPort(google.ttsEndpoint) : {}),
      ...(authClient ? { authClient } : {}),
    });
  });
  const storage = lazy(async () => {
    const { Storage } = await import('@google-cloud/storage');
    return new Storage({
      projectId: google.projectId,
      ...(google.storageEndpoint ? { apiEndpoint: google.storageEndpoint } : {}),
      ...(authClient ? { authClient } : {}),
    });
  });
  const ffmpegPath = resolveFfmpeg(options.config.ffmpegPath);
  options.logger.info(
    { model: google.model, location: google.location, bucket: google.bucket, ffmpeg: ffmpegPath },
    'Google providers in use',
  );
  return {
    writer: createGeminiLessonWriter({
      client: gemini,
      model: google.model,
      validators: options.validators,
    }),
    speech: createCloudSpeech({ client: tts, voices: google.voices }),
    storage: createCloudStorage({ storage, bucket: google.bucket }),
    encoder: createFfmpegEncoder({ ffmpegPath, concurrency: options.config.renderConcurrency }),
    corpus: createPostgresCorpus(options.db),
  };
}

/** Fails fast at start when no credentials can be found (never contacts anything but the metadata server ADC allows). */
export async function assertGoogleCredentials(): Promise<void> {
  const { GoogleAuth } = await import('google-auth-library');
  try {
    await new GoogleAuth({
      scopes: ['https://www.googleapis.com/auth/cloud-platform'],
    }).getClient();
  } catch (err) {
    throw new Error(
      `google_credentials_missing: GCP_PROJECT_ID is set but no Google credentials were found (${(err as Error).message.split('.')[0]}). On Cloud Run give the service an account; locally run \`gcloud auth application-default login\` or set GOOGLE_APPLICATION_CREDENTIALS.`,
    );
  }
}
