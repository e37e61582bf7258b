/**
 * `@tollgate/hono`: OAuth 2.0 bearer-token middleware for Hono 4, with `c.get('auth')` typed.
 * It also re-exports all of {@link @tollgate/core! | @tollgate/core} (errors, `verifyToken`, renderers, types), documented there.
 * @packageDocumentation
 */
import type { AccessToken } from '@tollgate/core';

declare module 'hono' {
  interface ContextVariableMap {
    /** The verified access token, set by tollgate's middleware; undefined where none was verified. */
    auth?: AccessToken;
  }
}

export { configure, protectedResourceMetadata, requireAnyScope, requireAuth, requireClaims, requireScope, requireStepUp } from './require-auth.js';
export type { HonoAuthOptions, TollgateEnv, TollgateMiddleware, TollgateVariables } from './require-auth.js';
export { tollgateErrorHandler, TollgateHttpException } from './http-exception.js';
export type { ErrorHandlerOptions } from './http-exception.js';
// Core's API (errors, verifyToken, renderers, types), so one import serves and `instanceof` matches everywhere.
export * from '@tollgate/core';
