/** The providers a pipeline runs on: one per external capability. */
import type { LessonWriter } from './lesson-writer.js';
import type { ObjectStorage } from './object-storage.js';
import type { OerCorpus } from './oer-corpus.js';
import type { Speech } from './speech.js';
import type { VideoEncoder } from './video-encoder.js';

export interface Providers {
  writer: LessonWriter;
  speech: Speech;
  storage: ObjectStorage;
  encoder: VideoEncoder;
  corpus: OerCorpus;
}
