/** WAV (RIFF PCM) facts read from the header: enough to time narration without ffprobe. */
export interface WavInfo {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  dataBytes: number;
  durationSeconds: number;
}

export function readWavInfo(wav: Buffer): WavInfo {
  if (
    wav.length < 12 ||
    wav.toString('ascii', 0, 4) !== 'RIFF' ||
    wav.toString('ascii', 8, 12) !== 'WAVE'
  ) {
    throw new Error('wav_invalid: not a RIFF/WAVE file');
  }
  let offset = 12;
  let fmt:
    { channels: number; sampleRate: number; byteRate: number; bitsPerSample: number } | undefined;
  while (offset + 8 <= wav.length) {
    const id = wav.toString('ascii', offset, offset + 4);
    let size = wav.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') {
      fmt = {
        channels: wav.readUInt16LE(body + 2),
        sampleRate: wav.readUInt32LE(body + 4),
        byteRate: wav.readUInt32LE(body + 8),
        bitsPerSample: wav.readUInt16LE(body + 14),
      };
    } else if (id === 'data') {
      if (!fmt) throw new Error('wav_invalid: data chunk before fmt chunk');
      // Streaming writers (espeak to a pipe) leave the size at 0 or 0xFFFFFFFF: the data runs to the end.
      if (size === 0 || size === 0xffffffff || body + size > wav.length) size = wav.length - body;
      return {
        sampleRate: fmt.sampleRate,
        channels: fmt.channels,
        bitsPerSample: fmt.bitsPerSample,
        dataBytes: size,
        durationSeconds: size / fmt.byteRate,
      };
    }
    offset = body + size + (size % 2);
  }
  throw new Error('wav_invalid: no data chunk');
}
