// The conformance app for Fastify; one factory for Fastify 4 and 5 (the module's factory function is passed in).
import type { Server } from 'node:http';
import tollgate, { renderProblemJson, RequireScope, tollgateErrorHandler } from '@tollgate/fastify';
import type { fastify, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DECORATED_SCOPE, routeBody, type AppFactory, type AppSpec, type RouteBody, type RouteSpec } from '../spec.js';

export type FastifyModule = typeof fastify;

class OrdersController {
  readonly route = '/decorated';

  @RequireScope(DECORATED_SCOPE)
  async write(request: FastifyRequest, _reply: FastifyReply): Promise<RouteBody> {
    return routeBody(this.route, request.auth); // `this` works: decorated methods are bound
  }
}

const answer = (route: string) => async (request: FastifyRequest) => routeBody(route, request.auth);

export const createFastifyApp: AppFactory<FastifyModule> = async (fastifyFactory: FastifyModule, spec: AppSpec): Promise<Server> => {
  const app: FastifyInstance = fastifyFactory();
  app.setErrorHandler(tollgateErrorHandler());
  // Authenticates every route registered after it (global), and sets what the decorators use.
  // The app-wide-scope layout is the plugin's global `scopes`: the Fastify form of app.use(requireScope(...)).
  await app.register(tollgate, { ...spec.verifier, ...spec.guard, ...(spec.appScopes ? { scopes: spec.appScopes } : {}) });
  const controller = new OrdersController();

  const mount = async (route: RouteSpec): Promise<void> => {
    switch (route.kind) {
      case 'auth':
      case 'plain':
        app.get(route.path, answer(route.path));
        return;
      case 'scopes':
        app.get(route.path, { config: { scopes: route.scopes } }, answer(route.path));
        return;
      case 'anyScopes':
        app.get(route.path, { preHandler: app.requireAnyScope(...route.scopes) }, answer(route.path));
        return;
      case 'optional':
        app.get(route.path, { config: { auth: 'optional' } }, answer(route.path));
        return;
      case 'claims':
        app.get(route.path, { config: { claims: route.claims } }, answer(route.path));
        return;
      case 'stepUp':
        app.get(route.path, { config: { stepUp: route.stepUp } }, answer(route.path));
        return;
      case 'decorated':
        // Exempt from the plugin's hook, as in Express and Koa the decorator alone authenticates (with the defaults).
        app.get(route.path, { config: { auth: false } }, controller.write);
        return;
      case 'problem':
        // An encapsulated context with its own error handler; the plugin's hooks still apply to its routes.
        await app.register(async (child) => {
          child.setErrorHandler(tollgateErrorHandler({ render: renderProblemJson }));
          child.get(route.path, { preHandler: child.requireScope(...route.scopes) }, answer(route.path));
        });
        return;
    }
  };
  for (const route of spec.routes) await mount(route);
  await app.ready();
  return app.server;
};
