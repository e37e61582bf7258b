// Koa middleware and scope decorators: requireAuth, requireScope, requireAnyScope, requireClaims, configure, @RequireScope.
import { bindRequests, DefaultConfiguration, defineMiddleware, defineScopeDecorators, metadataResponderFor, requestUrlFrom, toUnhandledResponse } from '@tollgate/core';
import type { AdapterOptions, ClaimRuleSet, GuardOptions, ScopeDecorator, StepUpRequirement, Verifier } from '@tollgate/core';
import type { Context, Middleware, Next } from 'koa';
import { setErrorResponse } from './error-handler.js';

/** Options of {@link requireAuth}: the verifier's (`issuer`, `audience`, ...) plus `optional`, `allowQuery`, `allowBody`, `realm`. */
export type KoaAuthOptions = AdapterOptions;

const defaults = new DefaultConfiguration('@tollgate/koa');

const runGuard = bindRequests<Context>({
  read: (ctx) => ({
    headers: ctx.headers,
    rawHeaders: ctx.req.rawHeaders,
    method: ctx.method,
    // ctx.query parses the query string on first read: a URL without one has no token there.
    query: ctx.url.includes('?') ? ctx.query : undefined,
    // Set by a body parser (@koa/bodyparser, koa-body), when one is installed.
    body: (ctx.request as { body?: unknown }).body,
    // For a DPoP proof's htu, built only for a DPoP request: ctx.protocol and ctx.host read
    // X-Forwarded-Proto/-Host only when the app trusts its proxy (`app.proxy = true`). Not ctx.href: it
    // returns an absolute-form target as it came, scheme and host included.
    url: () => requestUrlFrom(ctx.protocol, ctx.host, ctx.originalUrl),
    // Its TLS client certificate is read only for a certificate-bound token (RFC 8705).
    socket: ctx.req.socket,
  }),
  getAuth: (ctx) => ctx.state.auth,
  setAuth: (ctx, token) => {
    ctx.state.auth = token;
  },
});

// A refusal is thrown with `status`, `headers` and `expose`: Koa's default handling answers it
// correctly, and a user's try/catch sees the TollgateError.
const middleware = defineMiddleware<Middleware>(defaults, (guard) => async (ctx, next) => {
  await runGuard(guard, ctx);
  await next();
});

// With next (the method mounted as middleware), a refusal is thrown, as from requireScope. Without
// next (`(ctx) => orders.list(ctx)`) the caller may not await it, so the refusal is answered on ctx
// here and never left as a rejected promise; the handler's own errors stay its own.
const decorators = defineScopeDecorators<[ctx: Context, next: Next]>(defaults, async (guard, [ctx, next], call) => {
  if (typeof next === 'function') {
    await runGuard(guard, ctx);
    return call();
  }
  try {
    await runGuard(guard, ctx);
  } catch (error) {
    setErrorResponse(ctx, toUnhandledResponse(error));
    return undefined;
  }
  return call();
});

/**
 * Sets the options that standalone `requireScope` and `@RequireScope` use on a request no `requireAuth`
 * ran on. Validated now. One default for the whole process (the last call wins): an app that serves
 * several APIs gives each its own `requireAuth` instead.
 * @example configure({ issuer: 'https://auth.example.com/', audience: 'https://api.example.com' });
 */
export const configure: (options: KoaAuthOptions | Verifier, guardOptions?: GuardOptions) => Verifier = middleware.configure;

/**
 * Authenticates every request: sets `ctx.state.auth`, or throws an RFC 6750 error.  The scope
 * guards after it on the same request (`requireScope`, `@RequireScope`) go by its decision.
 * @example app.use(requireAuth({ issuer: 'https://auth.example.com/', audience: 'https://api.example.com' }));
 * @see RFC 6750 section 2.1
 */
export const requireAuth: (options: KoaAuthOptions | Verifier, guardOptions?: GuardOptions) => Middleware = middleware.requireAuth;

/**
 * Requires every listed scope (403 `insufficient_scope` otherwise). Uses what the `requireAuth` before
 * it on this request decided; with none, authenticates with the options of `configure()`; without
 * those it fails closed (500 TollgateConfigError). An empty list is refused at startup.
 * @example router.get('/orders', requireScope('orders:read'), listOrders);
 * @see RFC 6750 section 3.1
 */
export const requireScope: (...scopes: string[]) => Middleware = middleware.requireScope;

/**
 * Requires at least one of the listed scopes.
 * @example router.get('/orders', requireAnyScope('orders:read', 'orders:admin'), listOrders);
 */
export const requireAnyScope: (...scopes: string[]) => Middleware = middleware.requireAnyScope;

/**
 * Requires the token's claims to satisfy `rules`: rules by claim name, a validator, or a list of both
 * (see {@link ClaimRuleSet}). A failed rule is a 403 `insufficient_scope` without a `scope` attribute
 * (the token is valid, but not for this route); a validator that throws, returns no boolean or times
 * out is a 503. Like `requireScope`, it goes by the `requireAuth` before it, else `configure()`, else
 * fails closed; an empty or invalid rule set is refused at startup.
 * @example router.get('/admin', requireAuth(verifier), requireClaims({ groups: { includes: 'admin' } }), handler);
 * @see RFC 6750 section 3.1
 */
export const requireClaims: (rules: ClaimRuleSet) => Middleware = middleware.requireClaims;

/** A scope decorator for Koa handler methods `(ctx, next)`. */
export type KoaScopeDecorator = ScopeDecorator<[ctx: Context, next: Next]>;

/**
 * Requires every listed scope before the decorated handler runs; same responses as `requireScope`.
 * @example
 * class Orders {
 *   @RequireScope('orders:read')
 *   async list(ctx: Context) { ctx.body = []; }
 * }
 * router.get('/orders', new Orders().list);
 */
export const RequireScope: (...scopes: string[]) => KoaScopeDecorator = decorators.RequireScope;

/** Requires at least one of the listed scopes before the decorated handler runs. */
export const RequireAnyScope: (...scopes: string[]) => KoaScopeDecorator = decorators.RequireAnyScope;

/**
 * Requires a strong or recent enough user authentication behind the token (RFC 9470): its `acr` among
 * `acrValues` and/or its `auth_time` within `maxAge`. Otherwise 401 `insufficient_user_authentication`
 * with `acr_values` / `max_age` in the challenge; a token without `acr` or `auth_time` never satisfies it.
 * @example router.post('/payments', requireStepUp({ acrValues: ['urn:example:mfa'], maxAge: '5m' }), pay);
 * @see RFC 9470 section 3
 */
export const requireStepUp: (requirement: StepUpRequirement) => Middleware = middleware.requireStepUp;

/**
 * Serves the verifier's Protected Resource Metadata (RFC 9728) at the one path its `resource` implies
 * (`/.well-known/oauth-protected-resource` plus the resource's path, section 3.1): GET and HEAD get the
 * JSON document (public, cacheable, CORS `*`), OPTIONS a preflight answer, other methods 405; every other
 * path goes on. Matched against `ctx.originalUrl` as sent, never decoded or normalised. Without an
 * argument it serves `configure()`'s verifier, which must be set by then.
 * @example app.use(protectedResourceMetadata(verifier));
 * @see RFC 9728 sections 3 and 3.1
 */
export function protectedResourceMetadata(options?: KoaAuthOptions | Verifier): Middleware {
  const metadata = metadataResponderFor(options, defaults);
  return async (ctx, next) => {
    const url = ctx.originalUrl;
    const query = url.indexOf('?');
    const answer = metadata.respond(ctx.method, query === -1 ? url : url.slice(0, query));
    if (!answer) return next();
    ctx.status = answer.status;
    ctx.set(answer.headers as Record<string, string>);
    ctx.body = answer.body === '' ? null : answer.body;
    if (answer.body === '') ctx.status = answer.status;
    return undefined;
  };
}
