// @tollgate/express without the global `req.auth` declaration, for a project that also has a package
// declaring `req.auth` its own way (express-oauth2-jwt-bearer, during a migration): same middleware,
// same module instance; read tollgate's token with getAuth(req).
import { decidedToken } from '@tollgate/core';
import type { AccessToken } from '@tollgate/core';
import type { Request } from 'express';

export { configure, protectedResourceMetadata, RequireAnyScope, requireAnyScope, requireAuth, requireClaims, RequireScope, requireScope, requireStepUp } from './require-auth.js';
export type { ExpressAuthOptions, ExpressScopeDecorator } from './require-auth.js';
export { tollgateErrorHandler } from './error-handler.js';
export type { ErrorHandlerOptions } from './error-handler.js';
// Core's API (errors, verifyToken, renderers, types), so one import serves and `instanceof` matches everywhere.
export * from '@tollgate/core';

/**
 * The access token tollgate verified for this request, typed as tollgate's {@link AccessToken} whatever
 * another package declares `req.auth` to be. It reads tollgate's own record of the decision, so a value
 * other middleware wrote to `req.auth` is never mistaken for a verified token.
 * @param req - the Express request.
 * @returns the token, or `undefined` when no tollgate guard attached one here (no guard ran, an optional guard found none,
 *   or the guard that did ran in a router this request has left).
 * @example
 * import { getAuth, requireScope } from '@tollgate/express/coexist';
 * app.get('/orders', requireScope('orders:read'), (req, res) => res.json({ client: getAuth(req)?.clientId }));
 */
export function getAuth(req: Request): AccessToken | undefined {
  // Scoped like the guards: a router's decision is not reported outside that router.
  return decidedToken(req, req.baseUrl ?? '');
}
