// Express middleware: requireAuth, requireScope, requireAnyScope and configure.
import {
  createGuard,
  DefaultConfiguration,
  resolveAdapterOptions,
  type AdapterOptions,
  type Guard,
  type GuardOptions,
  type Verifier,
} from '@tollgate/core';
import type { RequestHandler } from 'express';
import { attach, stateOf, toRequestLike } from './request.js';

/** Options of {@link requireAuth}: the verifier's (`issuer`, `audience`, ...) plus `optional`, `allowQuery`, `allowBody`, `realm`. */
export type ExpressAuthOptions = AdapterOptions;

/** The configuration `requireScope` uses when no `requireAuth` ran before it. */
export const defaults = new DefaultConfiguration('@tollgate/express');

/** Runs a guard as Express middleware; errors go to `next(err)` with `status` and `headers`. */
export function guardMiddleware(guard: Guard): RequestHandler {
  return (req, _res, next) => {
    guard(toRequestLike(req), stateOf(req)).then((token) => {
      attach(req, token);
      next();
    }, next);
  };
}

/**
 * Sets the options that `requireScope` and `@RequireScope` use when no `requireAuth` ran first.
 * Options are validated now.
 * @example configure({ issuer: 'https://auth.example.com/', audience: 'https://api.example.com' });
 */
export function configure(options: ExpressAuthOptions | Verifier, guardOptions?: GuardOptions): Verifier {
  const resolved = resolveAdapterOptions(options, guardOptions);
  defaults.set(resolved.verifier, resolved.guardOptions);
  return resolved.verifier;
}

/**
 * Authenticates every request: sets `req.auth`, or passes an RFC 6750 error to `next`.
 * Also becomes the default configuration of `requireScope`.
 * @example app.use(requireAuth({ issuer: 'https://auth.example.com/', audience: 'https://api.example.com' }));
 * @see RFC 6750 section 2.1
 */
export function requireAuth(options: ExpressAuthOptions | Verifier, guardOptions?: GuardOptions): RequestHandler {
  const resolved = resolveAdapterOptions(options, guardOptions);
  defaults.set(resolved.verifier, resolved.guardOptions);
  return guardMiddleware(createGuard(resolved.verifier, { ...resolved.guardOptions, name: 'requireAuth' }));
}

/**
 * Requires every listed scope (403 `insufficient_scope` otherwise). Authenticates first when
 * `req.auth` is absent, with the options of `requireAuth` or `configure`; without either it fails closed.
 * @example app.get('/orders', requireScope('orders:read'), listOrders);
 * @see RFC 6750 section 3.1
 */
export function requireScope(...scopes: string[]): RequestHandler {
  return guardMiddleware(createGuard(defaults, { scopes, mode: 'all', name: 'requireScope' }));
}

/**
 * Requires at least one of the listed scopes.
 * @example app.get('/orders', requireAnyScope('orders:read', 'orders:admin'), listOrders);
 */
export function requireAnyScope(...scopes: string[]): RequestHandler {
  return guardMiddleware(createGuard(defaults, { scopes, mode: 'any', name: 'requireAnyScope' }));
}
