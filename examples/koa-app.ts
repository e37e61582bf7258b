// Koa: protect the whole app, then single routes by scope.
import Router from '@koa/router';
import Koa from 'koa';
import { requireAuth, requireScope, tollgateErrorHandler, type VerifierOptions } from '@tollgate/koa';

export function createKoaApp(options: VerifierOptions) {
  const app = new Koa();
  const router = new Router();
  router.get('/orders', requireScope('orders:read'), (ctx) => {
    ctx.body = { client: ctx.state.auth?.clientId, scopes: ctx.state.auth?.scopes };
  });
  app.use(tollgateErrorHandler()).use(requireAuth(options)).use(router.routes());
  return app;
}
