// Express middleware and scope decorators: requireAuth, requireScope, requireAnyScope, requireClaims, configure, @RequireScope.
import { bindRequests, bindRequestsNow, DefaultConfiguration, defineMiddleware, defineScopeDecorators, metadataResponderFor, queryIfPresent, requestUrlFrom, TollgateConfigError, TollgateError, toUnhandledResponse } from '@tollgate/core';
import { errorHandled } from './error-handled.js';
import { sendErrorResponse } from './error-handler.js';
import type { AdapterOptions, ClaimRuleSet, GuardOptions, RequestAccess, ScopeDecorator, StepUpRequirement, Verifier } from '@tollgate/core';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

/** Options of {@link requireAuth}: the verifier's (`issuer`, `audience`, ...) plus `optional`, `allowQuery`, `allowBody`, `realm`. */
export type ExpressAuthOptions = AdapterOptions;

const defaults = new DefaultConfiguration('@tollgate/express');

/**
 * The absolute URL the client used, for a DPoP proof's `htu`: `req.protocol` and the host as Express reads
 * them, so `X-Forwarded-Proto` and `X-Forwarded-Host` count only under the app's `trust proxy` setting
 * (Express 5's `req.host`, done here for Express 4 too, whose `req.host` drops the port).
 */
function requestUrl(req: Request): string | undefined {
  const trust = req.app?.get('trust proxy fn') as ((address: string | undefined, hop: number) => boolean) | undefined;
  let host = req.get('X-Forwarded-Host');
  if (!host || typeof trust !== 'function' || !trust(req.socket?.remoteAddress, 0)) host = req.get('Host');
  else if (host.includes(',')) host = host.slice(0, host.indexOf(',')).trimEnd();
  return requestUrlFrom(req.protocol, host, req.originalUrl ?? req.url);
}

const requests: RequestAccess<Request> = {
  read: (req) => ({
    headers: req.headers,
    rawHeaders: req.rawHeaders,
    method: req.method,
    query: queryIfPresent(req),
    body: req.body as unknown,
    // Built only for a DPoP request.
    url: () => requestUrl(req),
    // Its TLS client certificate is read only for a certificate-bound token (RFC 8705).
    socket: req.socket,
  }),
  getAuth: (req) => req.auth,
  setAuth: (req, token) => {
    req.auth = token;
  },
  // A router's decision holds inside that router only: a request that falls through to routes outside
  // it (Express restores baseUrl) must not carry another API's authentication to them.
  scopeOf: (req) => req.baseUrl ?? '',
};
const runGuard = bindRequests(requests);
const runGuardNow = bindRequestsNow(requests);

/** Answers an error on `res` directly, for a decorated method that was called without `next`. */
function answer(res: Response, error: unknown): void {
  if (!res.headersSent) sendErrorResponse(res, toUnhandledResponse(error));
}

/**
 * Passes a refusal to the app's error handlers when it has one (yours, or tollgateErrorHandler), so they
 * decide the response; without any, answers it here: Express's final handler would log every 401 to
 * stderr as if it were a server error. Anything that is not a refusal always goes to next.
 */
function refuse(req: Request, res: Response, next: NextFunction, error: unknown): void {
  // Once the response has started only Express can end it (it destroys the socket): never answer then.
  if (error instanceof TollgateError && !res.headersSent && !errorHandled(req)) answer(res, error);
  else next(error);
}

// A refusal goes to next(err) carrying `status` and `headers` when the app has an error handler (see
// refuse). Called without next (a user's wrapper), it cannot pass the request on: it answers the refusal, or a
// 500, itself, rather than leaving a rejected promise behind.
const middleware = defineMiddleware<RequestHandler>(defaults, (guard) => (req, res, next) => {
  if (typeof next !== 'function') {
    runGuard(guard, req).then(
      () => answer(res, new TollgateConfigError('@tollgate/express: middleware called without next; mount it with app.use() or pass next')),
      (error: unknown) => answer(res, error),
    );
    return;
  }
  // A cached token is decided synchronously: next() then runs at once, outside the try, so an error the
  // routes after it throw is theirs for Express to handle, never taken for a refusal.
  let pending: void | Promise<void>;
  try {
    pending = runGuardNow(guard, req);
  } catch (error) {
    refuse(req, res, next, error);
    return;
  }
  // What next() throws here (a user's wrapper calling its handler directly) would otherwise be an
  // unhandled rejection that stops the process: it is answered as a 500, as on the synchronous path.
  if (pending) pending.then(() => next(), (error: unknown) => refuse(req, res, next, error)).catch((error: unknown) => answer(res, error));
  else next();
});

// With next, the guard's errors and the handler's own errors both reach it, on Express 4 as on 5.
// Without next (`(req, res) => orders.list(req, res)`) nobody would take a refusal, and a rejected
// promise could kill the process: the refusal is answered here; the handler's own errors stay its own.
const decorators = defineScopeDecorators<[req: Request, res: Response, next: NextFunction]>(defaults, (guard, [req, res, next], call) =>
  typeof next === 'function'
    ? runGuard(guard, req).then(call, (error: unknown) => refuse(req, res, next, error)).catch(next)
    : runGuard(guard, req).then(call, (error: unknown) => answer(res, error)),
);

/**
 * Sets the options that standalone `requireScope` and `@RequireScope` use on a request no `requireAuth`
 * ran on. Validated now. One default for the whole process (the last call wins): an app that serves
 * several APIs gives each its own `requireAuth` instead.
 * @example configure({ issuer: 'https://auth.example.com/', audience: 'https://api.example.com' });
 */
export const configure: (options: ExpressAuthOptions | Verifier, guardOptions?: GuardOptions) => Verifier = middleware.configure;

/**
 * Authenticates every request: sets `req.auth`, or passes an RFC 6750 error to `next`.  The scope
 * guards after it on the same request (`requireScope`, `@RequireScope`) go by its decision.
 * @example app.use(requireAuth({ issuer: 'https://auth.example.com/', audience: 'https://api.example.com' }));
 * @see RFC 6750 section 2.1
 */
export const requireAuth: (options: ExpressAuthOptions | Verifier, guardOptions?: GuardOptions) => RequestHandler = middleware.requireAuth;

/**
 * Requires every listed scope (403 `insufficient_scope` otherwise). Uses what the
 * `requireAuth` before it on this request decided; with none, authenticates with the options of
 * `configure()`; without those it fails closed (500 TollgateConfigError). An empty list is refused at startup.
 * @example app.get('/orders', requireScope('orders:read'), listOrders);
 * @see RFC 6750 section 3.1
 */
export const requireScope: (...scopes: string[]) => RequestHandler = middleware.requireScope;

/**
 * Requires at least one of the listed scopes.
 * @example app.get('/orders', requireAnyScope('orders:read', 'orders:admin'), listOrders);
 */
export const requireAnyScope: (...scopes: string[]) => RequestHandler = middleware.requireAnyScope;

/**
 * Requires the token's claims to satisfy `rules`: rules by claim name, a validator, or a list of both
 * (see {@link ClaimRuleSet}). A failed rule is a 403 `insufficient_scope` without a `scope` attribute
 * (the token is valid, but not for this route); a validator that throws, returns no boolean or times
 * out is a 503. Like `requireScope`, it goes by the `requireAuth` before it, else `configure()`, else
 * fails closed; an empty or invalid rule set is refused at startup.
 * @example app.get('/admin', requireAuth(verifier), requireClaims({ groups: { includes: 'admin' } }), handler);
 * @see RFC 6750 section 3.1
 */
export const requireClaims: (rules: ClaimRuleSet) => RequestHandler = middleware.requireClaims;

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

/**
 * Requires a strong or recent enough user authentication behind the token (RFC 9470): its `acr` among
 * `acrValues` and/or its `auth_time` within `maxAge`. Otherwise 401 `insufficient_user_authentication`
 * with `acr_values` / `max_age` in the challenge; a token without `acr` or `auth_time` never satisfies
 * it. Goes by the `requireAuth` before it, like `requireScope`.
 * @example app.post('/payments', requireStepUp({ acrValues: ['urn:example:mfa'], maxAge: '5m' }), pay);
 * @see RFC 9470 section 3
 */
export const requireStepUp: (requirement: StepUpRequirement) => RequestHandler = middleware.requireStepUp;

/**
 * Serves the verifier's Protected Resource Metadata (RFC 9728) at the one path its `resource` implies:
 * `/.well-known/oauth-protected-resource` plus the resource's path (section 3.1). GET and HEAD get the
 * JSON document (public, cacheable, CORS `*`), OPTIONS a preflight answer, other methods 405; every other
 * path goes on to the next middleware. Mount it on the app itself, before any guard: the path is matched
 * against the full URL as sent, never decoded or normalised. Without an argument it serves `configure()`'s
 * verifier, which must be set by then.
 * @example
 * const verifier = createVerifier({ issuer: 'https://auth.example.com/', resource: 'https://api.example.com/mcp' });
 * app.use(protectedResourceMetadata(verifier));
 * app.use('/mcp', requireAuth(verifier));
 * @see RFC 9728 sections 3 and 3.1
 */
export function protectedResourceMetadata(options?: ExpressAuthOptions | Verifier): RequestHandler {
  const metadata = metadataResponderFor(options, defaults);
  return (req, res, next) => {
    const url = req.originalUrl ?? req.url;
    const query = url.indexOf('?');
    const answer = metadata.respond(req.method, query === -1 ? url : url.slice(0, query));
    if (!answer) {
      next();
      return;
    }
    res.status(answer.status);
    for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
    res.end(answer.body);
  };
}
