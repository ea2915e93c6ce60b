/** GET /v1/requests/{id}: the operator view of one request. */
import type { App, Guard } from './app-type.js';
import { componentSchema } from '../contract/openapi.js';
import type { ErrorBody } from '../contract/types.js';
import type { Database } from '../db/database.js';
import { readRequestView } from '../db/request-view.js';
import { isTransientDatabaseError } from '../delivery/classify-error.js';

export function registerRequestsRoute(app: App, db: Database, guards: Guard[] = []): void {
  const error = componentSchema('Error');
  app.get<{ Params: { id: string } }>(
    '/v1/requests/:id',
    {
      onRequest: guards,
      schema: {
        params: {
          type: 'object',
          required: ['id'],
          properties: { id: componentSchema('RequestId') },
        },
        response: { 200: componentSchema('RequestView'), 400: error, 404: error, 503: error },
      },
    },
    async (request, reply) => {
      const id = request.params.id.toLowerCase();
      try {
        const view = await readRequestView(db, id);
        if (!view)
          return reply
            .code(404)
            .send({ error: 'not_found', message: `no request with id ${id}` } satisfies ErrorBody);
        return view;
      } catch (err) {
        if (!isTransientDatabaseError(err)) throw err;
        return reply.code(503).send({
          error: 'database_unavailable',
          message: 'the database did not answer; try again',
        } satisfies ErrorBody);
      }
    },
  );
}
