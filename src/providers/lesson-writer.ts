/** Capability: the language model that understands a query and writes the lesson. */
import type { Generator, LessonScript, Understanding } from '../contract/types.js';
import type { Passage } from './oer-corpus.js';

export interface LearnerContext {
  query: string;
  grade: number;
  interest: string | null;
  language: string;
}

export interface ScriptInput extends LearnerContext {
  understanding: Understanding;
  passages: readonly Passage[];
  modality: 'text' | 'video';
}

/** What a call cost, for logs and the stage's stored output. */
export type Usage = {
  input_tokens?: number;
  output_tokens?: number;
  estimated_cost_usd?: number;
};

export interface Written<T> {
  value: T;
  generator: Generator;
  usage?: Usage;
}

export interface LessonWriter {
  understand(input: LearnerContext, signal: AbortSignal): Promise<Written<Understanding>>;
  writeScript(input: ScriptInput, signal: AbortSignal): Promise<Written<LessonScript>>;
}
