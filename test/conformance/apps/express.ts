// The conformance app for Express; one factory for Express 4 and 5 (the module is passed in).
import { createServer, type Server } from 'node:http';
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
} from '@tollgate/express';
import type express from 'express';
import type { Request, RequestHandler, Response } from 'express';
import { DECORATED_SCOPE, routeBody, type AppFactory, type AppSpec, type RouteSpec } from '../spec.js';

export type ExpressModule = typeof express;

class OrdersController {
  readonly route = '/decorated';

  @RequireScope(DECORATED_SCOPE)
  write(req: Request, res: Response): void {
    res.json(routeBody(this.route, req.auth)); // `this` works: decorated methods are bound
  }
}

const answer =
  (route: string): RequestHandler =>
  (req, res) => {
    res.json(routeBody(route, req.auth));
  };

export const createExpressApp: AppFactory<ExpressModule> = async (expressModule: ExpressModule, spec: AppSpec): Promise<Server> => {
  const app = expressModule();
  // configure() first: it is what requireScope and the decorators use when no requireAuth ran before them.
  const verifier = configure(spec.verifier, spec.guard);
  // RFC 9728: the metadata before every guard, as the docs say to mount it.
  if (verifier.options.metadata) app.use(protectedResourceMetadata(verifier));
  if (spec.layout === 'app-wide-scope') app.use(requireScope(...(spec.appScopes ?? [])));

  // Created only when a route needs them, so that the app-wide-scope layout never calls requireAuth.
  // (requireAuth also replaces the default configuration: the plain one is made last.)
  let optionalAuth: RequestHandler | undefined;
  let auth: RequestHandler | undefined;
  const optional = () => (optionalAuth ??= requireAuth(verifier, { ...spec.guard, optional: true }));
  const required = () => (auth ??= requireAuth(verifier, spec.guard));
  if (spec.routes.some((route) => route.kind === 'optional')) optional();
  const controller = new OrdersController();

  const mount = (route: RouteSpec): void => {
    switch (route.kind) {
      case 'auth':
        app.get(route.path, required(), answer(route.path));
        return;
      case 'plain':
        app.get(route.path, answer(route.path));
        return;
      case 'scopes':
        app.get(route.path, required(), requireScope(...route.scopes), answer(route.path));
        return;
      case 'anyScopes':
        app.get(route.path, required(), requireAnyScope(...route.scopes), answer(route.path));
        return;
      case 'optional':
        app.get(route.path, optional(), answer(route.path));
        return;
      case 'claims':
        app.get(route.path, required(), requireClaims(route.claims), answer(route.path));
        return;
      case 'stepUp':
        app.get(route.path, required(), requireStepUp(route.stepUp), answer(route.path));
        return;
      case 'decorated':
        app.get(route.path, controller.write);
        return;
      case 'problem': {
        const router = expressModule.Router();
        router.get('/', required(), requireScope(...route.scopes), answer(route.path));
        router.use(tollgateErrorHandler({ render: renderProblemJson }));
        app.use(route.path, router);
        return;
      }
    }
  };
  for (const route of spec.routes) mount(route);
  app.use(tollgateErrorHandler());
  return createServer(app);
};
