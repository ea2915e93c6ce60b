// The floor for `npm run bench`: a bare Fastify process that only decodes and parses the push envelope.
import Fastify from 'fastify';

const app = Fastify({ logger: false, bodyLimit: 15 * 1024 * 1024 });
app.get('/health/ready', async () => ({ status: 'ok' }));
app.post('/pubsub/push', async (request, reply) => {
  const payload = JSON.parse(Buffer.from(request.body.message.data, 'base64').toString('utf8'));
  return reply.code(200).send({ outcome: 'floor', request_id: payload.request_id });
});
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
process.once('SIGTERM', () => app.close().then(() => process.exit(0)));
