// What the Express and Koa drivers share: both adapters are middleware (requireAuth, requireScope, requireAnyScope),
// so an AppSpec maps to their middleware the same way; only how a middleware is mounted differs.
import type { AdapterOptions, GuardOptions, Verifier } from '@tollgate/core';
import type { AdapterHandle, AdapterModule, AppSpec, ControllerMethod, RouteSpec } from '../driver.js';

/** An adapter whose guards are middleware of type `M`. */
export interface MiddlewareAdapter<M> extends AdapterModule {
  requireAuth(options: AdapterOptions | Verifier, guardOptions?: GuardOptions): M;
  requireScope(...scopes: string[]): M;
  requireAnyScope(...scopes: string[]): M;
}

/** The framework's own handlers a route may end in. */
export interface Endpoints<M> {
  echo: M;
  controller: Record<ControllerMethod, M>;
  greeter(greeting: string): M;
  /** The user's handler that calls `controller[method]` without `next` (see RouteSpec `wrapped`). */
  wrapped(method: ControllerMethod): M;
}

/**
 * Applies `spec.auth`: `configure()` when not global, otherwise `requireAuth` mounted app-wide through `use`.
 * Call it where app-wide middleware belongs (after the error handling, before the routes).
 */
export function applyAuth<M>(adapter: MiddlewareAdapter<M>, spec: AppSpec, use: (middleware: M) => void): void {
  if (spec.auth?.global === false) adapter.configure(spec.auth.options, spec.auth.guard);
  else if (spec.auth) use(adapter.requireAuth(spec.auth.options, spec.auth.guard));
}

/** The middleware of one route, in order: its guard (if any), then its handler. */
export function routeMiddleware<M>(adapter: MiddlewareAdapter<M>, endpoints: Endpoints<M>, route: RouteSpec): M[] {
  switch (route.kind) {
    case 'echo':
      return [endpoints.echo];
    case 'scopes':
    case 'standalone':
      if (route.kind === 'scopes' && route.idiom !== undefined && route.idiom !== 'requireScope') throw new Error(`no ${route.idiom} idiom here`);
      return [route.mode === 'any' ? adapter.requireAnyScope(...route.scopes) : adapter.requireScope(...route.scopes), endpoints.echo];
    case 'requireAuth':
      return [adapter.requireAuth(route.options, route.guard), endpoints.echo];
    case 'decorated':
      return [endpoints.controller[route.method]];
    case 'greeter':
      return [endpoints.greeter(route.greeting)];
    case 'wrapped':
      return [endpoints.wrapped(route.method)];
  }
}

/** `startup` and `scopeGuardFactories` of a middleware adapter: requireAuth(options) unmounted, requireScope/requireAnyScope. */
export function middlewareHandleParts<M>(adapter: MiddlewareAdapter<M>): Pick<AdapterHandle, 'startup' | 'scopeGuardFactories'> {
  return {
    async startup(options) {
      adapter.requireAuth(options);
    },
    scopeGuardFactories: [
      { name: 'requireScope', create: (scope) => adapter.requireScope('orders:read', scope), createEmpty: () => adapter.requireScope() },
      { name: 'requireAnyScope', create: (scope) => adapter.requireAnyScope(scope), createEmpty: () => adapter.requireAnyScope() },
    ],
  };
}

