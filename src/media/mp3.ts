/** MP3 duration from its frame headers (no ffprobe): the sum of each frame's samples over its sample rate. */
const BITRATES_V1_L3 = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320];
const BITRATES_V2_L3 = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];
const SAMPLE_RATES: Record<number, number[]> = {
  3: [44100, 48000, 32000],
  2: [22050, 24000, 16000],
  0: [11025, 12000, 8000],
};

function skipId3(buf: Buffer): number {
  if (buf.length >= 10 && buf.toString('latin1', 0, 3) === 'ID3') {
    const size =
      ((buf[6]! & 0x7f) << 21) |
      ((buf[7]! & 0x7f) << 14) |
      ((buf[8]! & 0x7f) << 7) |
      (buf[9]! & 0x7f);
    return 10 + size;
  }
  return 0;
}

export function mp3DurationSeconds(buf: Buffer): number {
  let offset = skipId3(buf);
  let seconds = 0;
  let frames = 0;
  while (offset + 4 <= buf.length) {
    const header = buf.readUInt32BE(offset);
    if ((header & 0xffe00000) >>> 0 !== 0xffe00000) {
      offset++;
      continue;
    }
    const version = (header >>> 19) & 3; // 3 = MPEG1, 2 = MPEG2, 0 = MPEG2.5
    const layer = (header >>> 17) & 3; // 1 = Layer III
    const bitrateIndex = (header >>> 12) & 15;
    const rateIndex = (header >>> 10) & 3;
    const padding = (header >>> 9) & 1;
    const rates = SAMPLE_RATES[version];
    if (layer !== 1 || !rates || rateIndex === 3 || bitrateIndex === 0 || bitrateIndex === 15) {
      offset++;
      continue;
    }
    const sampleRate = rates[rateIndex]!;
    const kbps = (version === 3 ? BITRATES_V1_L3 : BITRATES_V2_L3)[bitrateIndex]!;
    const samples = version === 3 ? 1152 : 576;
    const length = Math.floor(((samples / 8) * kbps * 1000) / sampleRate) + padding;
    seconds += samples / sampleRate;
    frames++;
    offset += Math.max(length, 1);
  }
  if (frames === 0) throw new Error('mp3_invalid: no MPEG audio frames found');
  return seconds;
}
