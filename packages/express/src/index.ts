// @tollgate/express: OAuth 2.0 bearer-token middleware for Express 4 and 5.
import type { AccessToken } from '@tollgate/core';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** The verified access token, set by tollgate's middleware. */
      auth?: AccessToken;
    }
  }
}

export { configure, requireAnyScope, requireAuth, requireScope } from './require-auth.js';
export type { ExpressAuthOptions } from './require-auth.js';
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
