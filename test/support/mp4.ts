/** Just enough ISO-BMFF parsing to check an MP4: box order, duration, and each track's codec. */
interface Box {
  type: string;
  start: number;
  end: number;
  body: number;
}

function boxes(buf: Buffer, start: number, end: number): Box[] {
  const out: Box[] = [];
  let offset = start;
  while (offset + 8 <= end) {
    let size = buf.readUInt32BE(offset);
    const type = buf.toString('latin1', offset + 4, offset + 8);
    let header = 8;
    if (size === 1) {
      size = Number(buf.readBigUInt64BE(offset + 8));
      header = 16;
    } else if (size === 0) {
      size = end - offset;
    }
    out.push({ type, start: offset, end: offset + size, body: offset + header });
    offset += size;
  }
  return out;
}

const child = (buf: Buffer, parent: Box, type: string): Box | undefined =>
  boxes(buf, parent.body, parent.end).find((b) => b.type === type);

export interface Mp4Info {
  topLevel: string[];
  durationSeconds: number;
  tracks: { handler: string; codec: string }[];
}

export function readMp4(buf: Buffer): Mp4Info {
  const top = boxes(buf, 0, buf.length);
  const moov = top.find((b) => b.type === 'moov');
  if (!moov) throw new Error('no moov box');
  const mvhd = child(buf, moov, 'mvhd')!;
  const version = buf.readUInt8(mvhd.body);
  const timescale =
    version === 1 ? buf.readUInt32BE(mvhd.body + 20) : buf.readUInt32BE(mvhd.body + 12);
  const duration =
    version === 1 ? Number(buf.readBigUInt64BE(mvhd.body + 24)) : buf.readUInt32BE(mvhd.body + 16);
  const tracks = boxes(buf, moov.body, moov.end)
    .filter((b) => b.type === 'trak')
    .map((trak) => {
      const mdia = child(buf, trak, 'mdia')!;
      const hdlr = child(buf, mdia, 'hdlr')!;
      const handler = buf.toString('latin1', hdlr.body + 8, hdlr.body + 12);
      const stbl = child(buf, child(buf, mdia, 'minf')!, 'stbl')!;
      const stsd = child(buf, stbl, 'stsd')!;
      // stsd: version/flags (4), entry count (4), then the first sample entry box.
      const codec = buf.toString('latin1', stsd.body + 12, stsd.body + 16);
      return { handler, codec };
    });
  return { topLevel: top.map((b) => b.type), durationSeconds: duration / timescale, tracks };
}
