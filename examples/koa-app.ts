// Koa: protect the whole app, then each route by scope.
import Router from '@koa/router';
import Koa from 'koa';
import { requireAuth, requireScope, tollgateErrorHandler, type VerifierOptions } from '@tollgate/koa';

export function createKoaApp(options: VerifierOptions): Koa {
  const app = new Koa();
  const router = new Router();
  router.get('/orders', requireScope('orders:read'), (ctx) => {
    ctx.body = { orders: [{ id: 1, item: 'tea' }], client: ctx.state.auth?.clientId };
  });
  router.post('/orders', requireScope('orders:write'), (ctx) => {
    ctx.status = 201;
    ctx.body = { id: 2, createdBy: ctx.state.auth?.clientId };
  });
  // The error handler first, so it catches the refusals of everything after it.
  app.use(tollgateErrorHandler()).use(requireAuth(options)).use(router.routes());
  return app;
}
