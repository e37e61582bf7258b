// Fastify: register the plugin, then declare scopes per route.
import Fastify from 'fastify';
import tollgate, { tollgateErrorHandler, type VerifierOptions } from '@tollgate/fastify';

export async function createFastifyApp(options: VerifierOptions) {
  const app = Fastify();
  app.setErrorHandler(tollgateErrorHandler());
  await app.register(tollgate, options);
  app.get('/orders', { config: { scopes: ['orders:read'] } }, async (request) => ({
    client: request.auth?.clientId,
    scopes: request.auth?.scopes,
  }));
  return app;
}
