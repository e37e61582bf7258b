// Hono: protect the whole app, then each route by scope.
import { Hono } from 'hono';
import { requireAuth, requireScope, type VerifierOptions } from '@tollgate/hono';

export function createHonoApp(options: VerifierOptions): Hono {
  const app = new Hono();
  app.use(requireAuth(options)); // every route needs a valid token
  app.get('/orders', requireScope('orders:read'), (c) => c.json({ orders: [{ id: 1, item: 'miso soup' }], client: c.get('auth')?.clientId }));
  app.post('/orders', requireScope('orders:write'), (c) => c.json({ id: 2, createdBy: c.get('auth')?.clientId }, 201));
  // No onError needed: Hono's default handler answers tollgate's HTTPException with the exact RFC 6750 response.
  return app;
}
