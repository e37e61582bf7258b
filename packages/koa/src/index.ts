// @tollgate/koa: OAuth 2.0 bearer-token middleware for Koa 2 and 3.
import type { AccessToken } from '@tollgate/core';

declare module 'koa' {
  interface DefaultState {
    /** The verified access token, set by tollgate's middleware. */
    auth?: AccessToken;
  }
}

export { configure, requireAnyScope, requireAuth, requireScope } from './require-auth.js';
export type { KoaAuthOptions } from './require-auth.js';
export { tollgateErrorHandler } from './error-handler.js';
export type { ErrorHandlerOptions } from './error-handler.js';
export { RequireAnyScope, RequireScope } from './decorators.js';
export {
  createVerifier,
  InsufficientScopeError,
  InvalidRequestError,
  InvalidTokenError,
  JwksUnavailableError,
  MissingTokenError,
  renderJson,
  renderProblemJson,
  TollgateConfigError,
  TollgateError,
  verifyToken,
} from '@tollgate/core';
export type { AccessToken, AccessTokenClaims, ErrorRenderer, GuardOptions, Verifier, VerifierOptions } from '@tollgate/core';
