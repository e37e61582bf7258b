/**
 * `@tollgate/express`: OAuth 2.0 bearer-token middleware for Express 4 and 5, with `req.auth` typed.
 * It also re-exports all of {@link @tollgate/core! | @tollgate/core} (errors, `verifyToken`, renderers, types), documented there.
 * @module index
 */
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

// Everything lives in coexist.ts, which leaves `req.auth` undeclared; this entry adds the declaration.
export * from './coexist.js';
