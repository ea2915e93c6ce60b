/** Capability: turning slides and narration into an MP4. */
export interface EncodeJob {
  /** A scratch directory the encoder may write into; the files below live in it. */
  workDir: string;
  /** One PNG per scene, shown for that scene's duration. */
  slides: readonly { path: string; durationSeconds: number }[];
  /** Narration files in scene order (same codec and sample rate). */
  audio: readonly string[];
  outputPath: string;
}

export interface VideoEncoder {
  encode(job: EncodeJob, signal: AbortSignal): Promise<void>;
}
