/** Splits narration under Cloud TTS's 5000-byte request limit, at sentence boundaries where it can. Pure. */
export const TTS_MAX_BYTES = 5000;

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

export function chunkText(text: string, maxBytes = TTS_MAX_BYTES): string[] {
  const sentences = text.match(/[^.!?]+[.!?]*\s*/g) ?? [text];
  const chunks: string[] = [];
  let current = '';
  const push = () => {
    if (current.trim()) chunks.push(current.trim());
    current = '';
  };
  for (const sentence of sentences) {
    if (bytes(current + sentence) <= maxBytes) {
      current += sentence;
      continue;
    }
    push();
    if (bytes(sentence) <= maxBytes) {
      current = sentence;
      continue;
    }
    // A single sentence over the limit: split at words, then (for a giant word) at characters.
    for (const word of sentence.split(/(\s+)/)) {
      if (bytes(current + word) > maxBytes) push();
      if (bytes(word) > maxBytes) {
        for (const ch of word) {
          if (bytes(current + ch) > maxBytes) push();
          current += ch;
        }
      } else current += word;
    }
  }
  push();
  return chunks;
}
