// @tollgate/fastify: OAuth 2.0 bearer-token plugin for Fastify 4 and 5.
import type { AccessToken } from '@tollgate/core';
import type { onRequestAsyncHookHandler } from 'fastify';
import { tollgate } from './plugin.js';
import type { TollgateRouteConfig } from './plugin.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified access token, or `null` when the route is public or auth was optional and absent. */
    auth: AccessToken | null;
  }
  interface FastifyInstance {
    /** A `preHandler`/`onRequest` hook requiring every listed scope. */
    requireScope(...scopes: string[]): onRequestAsyncHookHandler;
    /** A `preHandler`/`onRequest` hook requiring at least one of the listed scopes. */
    requireAnyScope(...scopes: string[]): onRequestAsyncHookHandler;
  }
  interface FastifyContextConfig extends TollgateRouteConfig {}
}

export default tollgate;
export { configure, tollgate } from './plugin.js';
export type { TollgateFastifyOptions, TollgateRouteConfig } from './plugin.js';
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
