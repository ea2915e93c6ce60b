/** Cloud Run probes: liveness touches nothing; readiness asks the database. */
import type { App } from './app-type.js';
import { componentSchema } from '../contract/openapi.js';
import type { Readiness } from '../contract/types.js';

export function registerHealthRoutes(app: App, readiness: () => Promise<Readiness>): void {
  app.get('/health', { schema: { response: { 200: componentSchema('Health') } } }, async () => ({
    status: 'ok' as const,
  }));

  const readinessSchema = componentSchema('Readiness');
  app.get(
    '/health/ready',
    { schema: { response: { 200: readinessSchema, 503: readinessSchema } } },
    async (_request, reply) => {
      const result = await readiness();
      return reply.code(result.status === 'ready' ? 200 : 503).send(result);
    },
  );
}
