// Koa middleware: requireAuth, requireScope, requireAnyScope and configure.
import {
  createGuard,
  DefaultConfiguration,
  resolveAdapterOptions,
  type AdapterOptions,
  type Guard,
  type GuardOptions,
  type Verifier,
} from '@tollgate/core';
import type { Middleware } from 'koa';
import { attach, stateOf, toRequestLike } from './context.js';

/** Options of {@link requireAuth}: the verifier's (`issuer`, `audience`, ...) plus `optional`, `allowQuery`, `allowBody`, `realm`. */
export type KoaAuthOptions = AdapterOptions;

/** The configuration `requireScope` uses when no `requireAuth` ran before it. */
export const defaults = new DefaultConfiguration('@tollgate/koa');

/**
 * Runs a guard as Koa middleware. A refusal is thrown with `status`, `headers` and `expose`, so Koa's
 * default error handling answers correctly and a user's try/catch sees a TollgateError.
 */
export function guardMiddleware(guard: Guard): Middleware {
  return async (ctx, next) => {
    attach(ctx, await guard(toRequestLike(ctx), stateOf(ctx)));
    await next();
  };
}

/**
 * Sets the options that `requireScope` and `@RequireScope` use when no `requireAuth` ran first.
 * @example configure({ issuer: 'https://auth.example.com/', audience: 'https://api.example.com' });
 */
export function configure(options: KoaAuthOptions | Verifier, guardOptions?: GuardOptions): Verifier {
  const resolved = resolveAdapterOptions(options, guardOptions);
  defaults.set(resolved.verifier, resolved.guardOptions);
  return resolved.verifier;
}

/**
 * Authenticates every request: sets `ctx.state.auth`, or throws an RFC 6750 error.
 * Also becomes the default configuration of `requireScope`.
 * @example app.use(requireAuth({ issuer: 'https://auth.example.com/', audience: 'https://api.example.com' }));
 * @see RFC 6750 section 2.1
 */
export function requireAuth(options: KoaAuthOptions | Verifier, guardOptions?: GuardOptions): Middleware {
  const resolved = resolveAdapterOptions(options, guardOptions);
  defaults.set(resolved.verifier, resolved.guardOptions);
  return guardMiddleware(createGuard(resolved.verifier, { ...resolved.guardOptions, name: 'requireAuth' }));
}

/**
 * Requires every listed scope (403 `insufficient_scope` otherwise), authenticating first when needed.
 * @example router.get('/orders', requireScope('orders:read'), listOrders);
 * @see RFC 6750 section 3.1
 */
export function requireScope(...scopes: string[]): Middleware {
  return guardMiddleware(createGuard(defaults, { scopes, mode: 'all', name: 'requireScope' }));
}

/**
 * Requires at least one of the listed scopes.
 * @example router.get('/orders', requireAnyScope('orders:read', 'orders:admin'), listOrders);
 */
export function requireAnyScope(...scopes: string[]): Middleware {
  return guardMiddleware(createGuard(defaults, { scopes, mode: 'any', name: 'requireAnyScope' }));
}
