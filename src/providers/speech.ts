/** Capability: narration audio. */
export interface SpeechAudio {
  audio: Buffer;
  /** e.g. audio/wav, audio/mpeg */
  contentType: string;
  extension: string;
  durationSeconds: number;
}

export interface Speech {
  synthesize(text: string, language: string, signal: AbortSignal): Promise<SpeechAudio>;
}
