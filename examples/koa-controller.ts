// A Koa controller whose handler methods declare their scopes with TypeScript 5 decorators.
import Router from '@koa/router';
import Koa, { type Context } from 'koa';
import { configure, RequireAnyScope, RequireScope, tollgateErrorHandler, type VerifierOptions } from '@tollgate/koa';

class OrdersController {
  private readonly orders = [{ id: 1, item: 'tea' }];

  @RequireScope('orders:read')
  async list(ctx: Context) {
    ctx.body = this.orders; // `this` works: decorated methods are bound to their instance
  }

  @RequireAnyScope('orders:write', 'orders:admin')
  async create(ctx: Context) {
    ctx.status = 201;
    ctx.body = { createdBy: ctx.state.auth?.clientId };
  }
}

export function createKoaControllerApp(options: VerifierOptions): Koa {
  configure(options); // the decorators authenticate with these options
  const orders = new OrdersController();
  const router = new Router();
  router.get('/orders', orders.list);
  router.post('/orders', orders.create);
  const app = new Koa();
  app.use(tollgateErrorHandler());
  app.use(router.routes());
  return app;
}
