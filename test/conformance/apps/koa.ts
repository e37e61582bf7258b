// The conformance app for Koa; one factory for Koa 2 and 3 (the module is passed in), routed by @koa/router.
import { createServer, type Server } from 'node:http';
import Router from '@koa/router';
import {
  configure,
  renderProblemJson,
  requireAnyScope,
  requireAuth,
  requireClaims,
  requireStepUp,
  protectedResourceMetadata,
  RequireScope,
  requireScope,
  tollgateErrorHandler,
} from '@tollgate/koa';
import type Koa from 'koa';
import type { Context, Middleware } from 'koa';
import { DECORATED_SCOPE, routeBody, type AppFactory, type AppSpec, type RouteSpec } from '../spec.js';

export type KoaModule = typeof Koa;

class OrdersController {
  readonly route = '/decorated';

  @RequireScope(DECORATED_SCOPE)
  async write(ctx: Context): Promise<void> {
    ctx.body = routeBody(this.route, ctx.state.auth); // `this` works: decorated methods are bound
  }
}

const answer =
  (route: string): Middleware =>
  (ctx) => {
    ctx.body = routeBody(route, ctx.state.auth);
  };

export const createKoaApp: AppFactory<KoaModule> = async (KoaClass: KoaModule, spec: AppSpec): Promise<Server> => {
  const app = new KoaClass();
  // The error handler first, so it catches what every later middleware throws.
  app.use(tollgateErrorHandler());
  // configure() first: it is what requireScope and the decorators use when no requireAuth ran before them.
  const verifier = configure(spec.verifier, spec.guard);
  // RFC 9728: the metadata before every guard, as the docs say to mount it.
  if (verifier.options.metadata) app.use(protectedResourceMetadata(verifier));
  if (spec.layout === 'app-wide-scope') app.use(requireScope(...(spec.appScopes ?? [])));

  // Created only when a route needs them, so that the app-wide-scope layout never calls requireAuth.
  // (requireAuth also replaces the default configuration: the plain one is made last.)
  let optionalAuth: Middleware | undefined;
  let auth: Middleware | undefined;
  const optional = () => (optionalAuth ??= requireAuth(verifier, { ...spec.guard, optional: true }));
  const required = () => (auth ??= requireAuth(verifier, spec.guard));
  if (spec.routes.some((route) => route.kind === 'optional')) optional();
  const controller = new OrdersController();

  const router = new Router();
  const mount = (route: RouteSpec): void => {
    switch (route.kind) {
      case 'auth':
        router.get(route.path, required(), answer(route.path));
        return;
      case 'plain':
        router.get(route.path, answer(route.path));
        return;
      case 'scopes':
        router.get(route.path, required(), requireScope(...route.scopes), answer(route.path));
        return;
      case 'anyScopes':
        router.get(route.path, required(), requireAnyScope(...route.scopes), answer(route.path));
        return;
      case 'optional':
        router.get(route.path, optional(), answer(route.path));
        return;
      case 'claims':
        router.get(route.path, required(), requireClaims(route.claims), answer(route.path));
        return;
      case 'stepUp':
        router.get(route.path, required(), requireStepUp(route.stepUp), answer(route.path));
        return;
      case 'decorated':
        router.get(route.path, controller.write);
        return;
      case 'problem':
        // A route-level error handler: it sees this route's refusals before the app-wide one.
        router.get(route.path, tollgateErrorHandler({ render: renderProblemJson }), required(), requireScope(...route.scopes), answer(route.path));
        return;
    }
  };
  for (const route of spec.routes) mount(route);
  app.use(router.routes());
  return createServer(app.callback());
};
