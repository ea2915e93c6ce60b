/** Vertex AI generateContent on the wire: scripted replies, every request recorded. */
import { json, startHttpFake, type HttpFake, type Recorded } from './http-fake.js';

export type VertexReply =
  | { text: string; finishReason?: string; usage?: [number, number] }
  | { status: number; message?: string }
  | { raw: unknown }
  | { hang: true };

export interface VertexFake extends HttpFake {
  /** Replies in order; when empty, `fallback` answers. */
  replies: VertexReply[];
  fallback: (req: Recorded) => VertexReply;
  bodies(): { path: string; body: Record<string, unknown> }[];
}

export async function startVertexFake(
  fallback: (req: Recorded) => VertexReply = () => ({ status: 500, message: 'no reply scripted' }),
): Promise<VertexFake> {
  // The handler reads the fake object itself, so tests can reassign `replies` and `fallback`.
  const ref: { self?: VertexFake } = {};
  const fake = await startHttpFake((req, res) => {
    const state = ref.self!;
    if (req.method !== 'POST' || !/:generateContent$/.test(req.url.split('?')[0]!))
      return json(res, 404, { error: { code: 404, message: `no route ${req.method} ${req.url}` } });
    const reply = state.replies.shift() ?? state.fallback(req);
    if ('hang' in reply) return; // never answers: the caller's deadline must cut it off
    if ('status' in reply)
      return json(res, reply.status, {
        error: { code: reply.status, message: reply.message ?? 'error', status: 'UNAVAILABLE' },
      });
    if ('raw' in reply) return json(res, 200, reply.raw);
    return json(res, 200, {
      candidates: [
        {
          content: { role: 'model', parts: [{ text: reply.text }] },
          finishReason: reply.finishReason ?? 'STOP',
        },
      ],
      usageMetadata: {
        promptTokenCount: reply.usage?.[0] ?? 1000,
        candidatesTokenCount: reply.usage?.[1] ?? 500,
      },
    });
  });
  ref.self = Object.assign(fake, {
    replies: [] as VertexReply[],
    fallback,
    bodies: () =>
      fake.requests.map((r) => ({
        path: r.url,
        body: JSON.parse(r.body.toString('utf8')) as Record<string, unknown>,
      })),
  });
  return ref.self;
}
