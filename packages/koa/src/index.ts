/**
 * `@tollgate/koa`: OAuth 2.0 bearer-token middleware for Koa 2 and 3, with `ctx.state.auth` typed.
 * It also re-exports all of {@link @tollgate/core! | @tollgate/core} (errors, `verifyToken`, renderers, types), documented there.
 * @packageDocumentation
 */
import type { AccessToken } from '@tollgate/core';

declare module 'koa' {
  interface DefaultState {
    /** The verified access token, set by tollgate's middleware. */
    auth?: AccessToken;
  }
}

export { configure, protectedResourceMetadata, RequireAnyScope, requireAnyScope, requireAuth, requireClaims, RequireScope, requireScope, requireStepUp } from './require-auth.js';
export type { KoaAuthOptions, KoaScopeDecorator } from './require-auth.js';
export { tollgateErrorHandler } from './error-handler.js';
export type { ErrorHandlerOptions } from './error-handler.js';
// Core's API (errors, verifyToken, renderers, types), so one import serves and `instanceof` matches everywhere.
export * from '@tollgate/core';
