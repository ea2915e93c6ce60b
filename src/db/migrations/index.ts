/** The migrations, in order. Imported statically so they run the same from src/ (tsx) and dist/ (compiled). */
import type { Migration } from 'kysely';
import * as m0001 from './0001_requests_and_stage_runs.js';
import * as m0002 from './0002_oer_passages.js';

export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001_requests_and_stage_runs': m0001,
  '0002_oer_passages': m0002,
};
