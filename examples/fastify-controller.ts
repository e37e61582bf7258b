// A Fastify controller whose handler methods declare their scopes with TypeScript 5 decorators.
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import tollgate, { RequireAnyScope, RequireScope, tollgateErrorHandler, type VerifierOptions } from '@tollgate/fastify';

class OrdersController {
  private readonly orders = [{ id: 1, item: 'juice' }];

  @RequireScope('orders:read')
  async list(_request: FastifyRequest) {
    return this.orders; // `this` works: decorated methods are bound to their instance
  }

  @RequireAnyScope('orders:write', 'orders:admin')
  async create(request: FastifyRequest, reply: FastifyReply) {
    return reply.code(201).send({ createdBy: request.auth?.clientId });
  }
}

export async function createFastifyControllerApp(options: VerifierOptions): Promise<FastifyInstance> {
  const app = Fastify();
  app.setErrorHandler(tollgateErrorHandler());
  // global: false: routes are checked by their decorators, not by the plugin.
  await app.register(tollgate, { ...options, global: false });
  const orders = new OrdersController();
  app.get('/orders', orders.list);
  app.post('/orders', orders.create);
  return app;
}
