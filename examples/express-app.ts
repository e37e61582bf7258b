// Express: protect the whole app, then each route by scope.
import express, { type Express } from 'express';
import { requireAuth, requireScope, tollgateErrorHandler, type VerifierOptions } from '@tollgate/express';

export function createExpressApp(options: VerifierOptions): Express {
  const app = express();
  app.use(requireAuth(options)); // every route needs a valid token
  app.get('/orders', requireScope('orders:read'), (req, res) => {
    res.json({ orders: [{ id: 1, item: 'coffee' }], client: req.auth?.clientId });
  });
  app.post('/orders', requireScope('orders:write'), (req, res) => {
    res.status(201).json({ id: 2, createdBy: req.auth?.clientId });
  });
  app.use(tollgateErrorHandler()); // RFC 6750 JSON errors
  return app;
}
