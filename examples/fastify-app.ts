// Fastify: register the plugin, then declare scopes per route.
import Fastify, { type FastifyInstance } from 'fastify';
import tollgate, { tollgateErrorHandler, type VerifierOptions } from '@tollgate/fastify';

export async function createFastifyApp(options: VerifierOptions): Promise<FastifyInstance> {
  const app = Fastify();
  app.setErrorHandler(tollgateErrorHandler());
  await app.register(tollgate, options); // every route registered after it needs a valid token
  app.get('/orders', { config: { scopes: ['orders:read'] } }, async (request) => ({
    orders: [{ id: 1, item: 'juice' }],
    client: request.auth?.clientId,
  }));
  app.post('/orders', { config: { scopes: ['orders:write'] } }, async (request, reply) =>
    reply.code(201).send({ id: 2, createdBy: request.auth?.clientId }),
  );
  return app;
}
