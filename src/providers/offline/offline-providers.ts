/** The embedded default: everything a lesson needs, on a fresh machine with no cloud account. */
import type { Logger } from 'pino';
import type { Config } from '../../config/config.js';
import { createPostgresCorpus } from '../../corpus/postgres-corpus.js';
import type { Database } from '../../db/database.js';
import { createFfmpegEncoder, resolveFfmpeg } from '../ffmpeg/ffmpeg-encoder.js';
import type { Providers } from '../providers.js';
import { createEspeakSpeech } from './espeak-speech.js';
import { createOfflineLessonWriter } from './lesson-writer.js';
import { withDelays, withFaults } from './fault-injection.js';
import { createLocalStorage } from './local-storage.js';

export function createOfflineProviders(
  config: Pick<Config, 'storageDir' | 'ffmpegPath' | 'renderConcurrency'> &
    Partial<Pick<Config, 'offlineFaults' | 'offlineDelays'>>,
  db: Database,
  logger: Logger,
): Providers {
  const speech = createEspeakSpeech();
  const ffmpegPath = resolveFfmpeg(config.ffmpegPath);
  logger.info(
    {
      writer: 'offline templates (not a language model)',
      speech: speech.engine,
      storage: config.storageDir,
      ffmpeg: ffmpegPath,
    },
    'offline providers in use',
  );
  const faults = config.offlineFaults ?? {};
  if (Object.keys(faults).length > 0)
    logger.warn({ faults }, 'OFFLINE_FAULTS: providers will fail on purpose');
  const delays = config.offlineDelays ?? {};
  if (Object.keys(delays).length > 0)
    logger.warn({ delays_ms: delays }, 'OFFLINE_DELAYS: provider calls will wait first');
  const providers = withFaults(
    {
      writer: createOfflineLessonWriter(),
      speech,
      storage: createLocalStorage(config.storageDir),
      encoder: createFfmpegEncoder({ ffmpegPath, concurrency: config.renderConcurrency }),
      corpus: createPostgresCorpus(db),
    },
    faults,
  );
  return withDelays(providers, delays);
}
