// Express middleware and scope decorators: requireAuth, requireScope, requireAnyScope, configure, @RequireScope.
import { bindRequests, DefaultConfiguration, defineMiddleware, defineScopeDecorators } from '@tollgate/core';
import type { AdapterOptions, GuardOptions, ScopeDecorator, Verifier } from '@tollgate/core';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

/** Options of {@link requireAuth}: the verifier's (`issuer`, `audience`, ...) plus `optional`, `allowQuery`, `allowBody`, `realm`. */
export type ExpressAuthOptions = AdapterOptions;

const defaults = new DefaultConfiguration('@tollgate/express');

const runGuard = bindRequests<Request>({
  read: (req) => ({ headers: req.headers, rawHeaders: req.rawHeaders, method: req.method, query: req.query, body: req.body as unknown }),
  getAuth: (req) => req.auth,
  setAuth: (req, token) => {
    req.auth = token;
  },
});

// A refusal goes to next(err) carrying `status` and `headers`, which Express's own handler honours.
const middleware = defineMiddleware<RequestHandler>(defaults, (guard) => (req, _res, next) => {
  runGuard(guard, req).then(() => next(), next);
});

// The guard's errors and the handler's own errors both reach next(), on Express 4 as on 5.
const decorators = defineScopeDecorators<[req: Request, res: Response, next: NextFunction]>(defaults, (guard, [req, , next], call) =>
  runGuard(guard, req).then(call).catch(next),
);

/**
 * Sets the options that standalone `requireScope` and `@RequireScope` use. Validated now.
 * @example configure({ issuer: 'https://auth.example.com/', audience: 'https://api.example.com' });
 */
export const configure: (options: ExpressAuthOptions | Verifier, guardOptions?: GuardOptions) => Verifier = middleware.configure;

/**
 * Authenticates every request: sets `req.auth`, or passes an RFC 6750 error to `next`. Unless
 * `configure()` was called, its verifier also serves standalone `requireScope`.
 * @example app.use(requireAuth({ issuer: 'https://auth.example.com/', audience: 'https://api.example.com' }));
 * @see RFC 6750 section 2.1
 */
export const requireAuth: (options: ExpressAuthOptions | Verifier, guardOptions?: GuardOptions) => RequestHandler = middleware.requireAuth;

/**
 * Requires every listed scope (403 `insufficient_scope` otherwise). Authenticates first when
 * `req.auth` is absent, with the options of `configure` or `requireAuth`; without either it fails closed.
 * @example app.get('/orders', requireScope('orders:read'), listOrders);
 * @see RFC 6750 section 3.1
 */
export const requireScope: (...scopes: string[]) => RequestHandler = middleware.requireScope;

/**
 * Requires at least one of the listed scopes.
 * @example app.get('/orders', requireAnyScope('orders:read', 'orders:admin'), listOrders);
 */
export const requireAnyScope: (...scopes: string[]) => RequestHandler = middleware.requireAnyScope;

/** A scope decorator for Express handler methods `(req, res, next)`. */
export type ExpressScopeDecorator = ScopeDecorator<[req: Request, res: Response, next: NextFunction]>;

/**
 * Requires every listed scope before the decorated handler runs; same responses as `requireScope`.
 * The method is bound to its instance, so it can be passed to the router as it is.
 * @example
 * class Orders {
 *   @RequireScope('orders:read')
 *   list(req: Request, res: Response) { res.json([]); }
 * }
 * app.get('/orders', new Orders().list);
 */
export const RequireScope: (...scopes: string[]) => ExpressScopeDecorator = decorators.RequireScope;

/** Requires at least one of the listed scopes before the decorated handler runs. */
export const RequireAnyScope: (...scopes: string[]) => ExpressScopeDecorator = decorators.RequireAnyScope;
