/** Cloud Storage's JSON API: multipart and resumable uploads, metadata, downloads, with crc32c and md5 hashes. */
import { createHash } from 'node:crypto';
import { json, startHttpFake, type HttpFake } from './http-fake.js';

const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[i] = c >>> 0;
  }
  return table;
})();

export function crc32c(data: Buffer): string {
  let crc = 0xffffffff;
  for (const byte of data) crc = CRC32C_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  const out = Buffer.alloc(4);
  out.writeUInt32BE((crc ^ 0xffffffff) >>> 0);
  return out.toString('base64');
}

export interface StoredObject {
  data: Buffer;
  contentType: string;
}

export interface GcsFake extends HttpFake {
  objects: Map<string, StoredObject>;
  /** Statuses to answer uploads with before accepting them. */
  uploadFailures: number[];
}

function metadata(bucket: string, name: string, o: StoredObject) {
  return {
    kind: 'storage#object',
    bucket,
    name,
    size: String(o.data.length),
    contentType: o.contentType,
    md5Hash: createHash('md5').update(o.data).digest('base64'),
    crc32c: crc32c(o.data),
    generation: '1',
  };
}

function parseMultipart(
  body: Buffer,
  contentType: string,
): { meta: Record<string, unknown>; media: Buffer; mediaType: string } {
  const boundary = /boundary="?([^";]+)"?/.exec(contentType)?.[1];
  if (!boundary) throw new Error('no multipart boundary');
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: Buffer[] = [];
  let start = body.indexOf(delimiter);
  while (start !== -1) {
    const next = body.indexOf(delimiter, start + delimiter.length);
    if (next === -1) break;
    parts.push(body.subarray(start + delimiter.length, next));
    start = next;
  }
  const split = (part: Buffer) => {
    const sep = part.indexOf('\r\n\r\n');
    const headers = part.subarray(0, sep).toString('utf8');
    let content = part.subarray(sep + 4);
    if (content.subarray(-2).toString() === '\r\n') content = content.subarray(0, -2);
    return { headers, content };
  };
  const [metaPart, mediaPart] = parts.map(split);
  if (!metaPart || !mediaPart) throw new Error('expected two parts');
  return {
    meta: JSON.parse(metaPart.content.toString('utf8')) as Record<string, unknown>,
    media: mediaPart.content,
    mediaType:
      /content-type:\s*([^\r\n]+)/i.exec(mediaPart.headers)?.[1] ?? 'application/octet-stream',
  };
}

export async function startGcsFake(): Promise<GcsFake> {
  const objects = new Map<string, StoredObject>();
  const uploadFailures: number[] = [];
  const sessions = new Map<string, { bucket: string; name: string; contentType: string }>();
  let base = '';
  const fake = await startHttpFake((req, res) => {
    const url = new URL(req.url, 'http://fake');
    const upload = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/.exec(url.pathname);
    if (upload && (req.method === 'POST' || req.method === 'PUT')) {
      const failure = uploadFailures.shift();
      if (failure)
        return json(res, failure, { error: { code: failure, message: 'backend error' } });
      const bucket = decodeURIComponent(upload[1]!);
      const type = url.searchParams.get('uploadType');
      if (type === 'multipart') {
        const { meta, media, mediaType } = parseMultipart(
          req.body,
          String(req.headers['content-type']),
        );
        const name = url.searchParams.get('name') ?? String(meta.name);
        const stored = { data: media, contentType: String(meta.contentType ?? mediaType) };
        objects.set(`${bucket}/${name}`, stored);
        return json(res, 200, metadata(bucket, name, stored));
      }
      if (type === 'resumable' && req.method === 'POST') {
        const meta = req.body.length
          ? (JSON.parse(req.body.toString('utf8')) as Record<string, unknown>)
          : {};
        const id = String(sessions.size + 1);
        sessions.set(id, {
          bucket,
          name: url.searchParams.get('name') ?? String(meta.name),
          contentType: String(meta.contentType ?? 'application/octet-stream'),
        });
        res.writeHead(200, {
          location: `${base}/upload/storage/v1/b/${bucket}/o?uploadType=resumable&upload_id=${id}`,
        });
        return res.end();
      }
      const session = sessions.get(url.searchParams.get('upload_id') ?? '');
      if (type === 'resumable' && session) {
        const stored = { data: req.body, contentType: session.contentType };
        objects.set(`${session.bucket}/${session.name}`, stored);
        return json(res, 200, metadata(session.bucket, session.name, stored));
      }
      return json(res, 400, { error: { code: 400, message: `unsupported upload ${type}` } });
    }
    const listing = /^\/storage\/v1\/b\/([^/]+)\/o$/.exec(url.pathname);
    if (listing && req.method === 'GET') {
      const bucket = decodeURIComponent(listing[1]!);
      const prefix = url.searchParams.get('prefix') ?? '';
      const items = [...objects.entries()]
        .filter(([key]) => key.startsWith(`${bucket}/${prefix}`))
        .map(([key, o]) => metadata(bucket, key.slice(bucket.length + 1), o));
      return json(res, 200, { kind: 'storage#objects', items });
    }
    const object = /^\/storage\/v1\/b\/([^/]+)\/o\/(.+)$/.exec(url.pathname);
    if (object && req.method === 'GET') {
      const bucket = decodeURIComponent(object[1]!);
      const name = decodeURIComponent(object[2]!);
      const stored = objects.get(`${bucket}/${name}`);
      if (!stored)
        return json(res, 404, {
          error: { code: 404, message: `No such object: ${bucket}/${name}` },
        });
      const meta = metadata(bucket, name, stored);
      if (url.searchParams.get('alt') !== 'media') return json(res, 200, meta);
      res.writeHead(200, {
        'content-type': stored.contentType,
        'x-goog-hash': `crc32c=${meta.crc32c},md5=${meta.md5Hash}`,
        'content-length': String(stored.data.length),
      });
      return res.end(stored.data);
    }
    json(res, 404, { error: { code: 404, message: `no route ${req.method} ${url.pathname}` } });
  });
  base = fake.url;
  return Object.assign(fake, { objects, uploadFailures });
}
