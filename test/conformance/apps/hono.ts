// The conformance app for Hono 4 (the Hono class is passed in), served by @hono/node-server's adaptor server.
import type { Server } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import { configure, renderProblemJson, requireAnyScope, requireAuth, requireClaims, requireStepUp, protectedResourceMetadata, requireScope, tollgateErrorHandler, type TollgateMiddleware } from '@tollgate/hono';
import type { Hono } from 'hono';
import type { Handler } from 'hono';
import { DECORATED_SCOPE, routeBody, type AppFactory, type AppSpec, type RouteSpec } from '../spec.js';

export type HonoModule = typeof Hono;

const answer =
  (route: string): Handler =>
  (c) =>
    c.json(routeBody(route, c.get('auth')));

export const createHonoApp: AppFactory<HonoModule> = async (HonoClass: HonoModule, spec: AppSpec): Promise<Server> => {
  const app = new HonoClass();
  // configure() first: it is what a standalone requireScope uses when no requireAuth ran before it.
  const verifier = configure(spec.verifier, spec.guard);
  // RFC 9728: the metadata before every guard, as the docs say to mount it.
  if (verifier.options.metadata) app.use(protectedResourceMetadata(verifier));
  if (spec.layout === 'app-wide-scope') app.use(requireScope(...(spec.appScopes ?? [])));

  // Created only when a route needs them, so that the app-wide-scope layout never calls requireAuth.
  let optionalAuth: TollgateMiddleware | undefined;
  let auth: TollgateMiddleware | undefined;
  const optional = () => (optionalAuth ??= requireAuth(verifier, { ...spec.guard, optional: true }));
  const required = () => (auth ??= requireAuth(verifier, spec.guard));

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
        // Hono has no controller classes, so @tollgate/hono has no scope decorators: the closest idiom is
        // the handler wrapped by a standalone requireScope(DECORATED_SCOPE) with nothing before it, which
        // goes by configure() exactly as a decorator does.
        app.get(route.path, requireScope(DECORATED_SCOPE), answer(route.path));
        return;
      case 'problem': {
        // A sub-app with its own onError renders its routes' refusals as problem+json; the rest of the
        // app keeps Hono's default handler, which answers a TollgateHttpException exactly.
        const problem = new HonoClass();
        problem.onError(tollgateErrorHandler({ render: renderProblemJson }));
        problem.get('/', required(), requireScope(...route.scopes), answer(route.path));
        app.route(route.path, problem);
        return;
      }
    }
  };
  for (const route of spec.routes) mount(route);
  return createAdaptorServer({ fetch: app.fetch }) as Server;
};
