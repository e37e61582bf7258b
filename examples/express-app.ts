// Express: protect the whole app, then single routes by scope.
import express, { type Express } from 'express';
import { requireAuth, requireScope, tollgateErrorHandler, type VerifierOptions } from '@tollgate/express';

export function createExpressApp(options: VerifierOptions): Express {
  const app = express();
  app.use(requireAuth(options)); // every route needs a valid token
  app.get('/orders', requireScope('orders:read'), (req, res) => {
    res.json({ client: req.auth?.clientId, scopes: req.auth?.scopes });
  });
  app.use(tollgateErrorHandler()); // RFC 6750 JSON errors
  return app;
}
