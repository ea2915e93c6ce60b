/** The Google providers when GCP_PROJECT_ID is set (their credentials checked first), else the offline ones. */
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import type { ContractValidators } from '../contract/validators.js';
import type { Database } from '../db/database.js';
import { createOfflineProviders } from './offline/offline-providers.js';
import type { Providers } from './providers.js';

export async function selectProviders(
  config: Config,
  db: Database,
  logger: Logger,
  validators: ContractValidators,
): Promise<Providers> {
  if (!config.google) return createOfflineProviders(config, db, logger);
  // Loaded only here: an offline run never pays for the Google SDKs.
  const { assertGoogleCredentials, createGoogleProviders } =
    await import('./google/google-providers.js');
  await assertGoogleCredentials();
  return createGoogleProviders({ google: config.google, config, db, logger, validators });
}
