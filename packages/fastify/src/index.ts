/**
 * `@tollgate/fastify`: OAuth 2.0 bearer-token plugin for Fastify 4 and 5, with `request.auth` typed.
 * It also re-exports all of {@link @tollgate/core! | @tollgate/core} (errors, `verifyToken`, renderers, types), documented there.
 * @packageDocumentation
 */
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
export { configure, RequireAnyScope, RequireScope, tollgate } from './plugin.js';
export type { FastifyScopeDecorator, TollgateFastifyOptions, TollgateRouteConfig } from './plugin.js';
export { tollgateErrorHandler } from './error-handler.js';
export type { ErrorHandlerOptions } from './error-handler.js';
// Core's API (errors, verifyToken, renderers, types), so one import serves and `instanceof` matches everywhere.
export * from '@tollgate/core';
