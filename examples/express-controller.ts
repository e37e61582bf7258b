// An Express controller whose handler methods declare their scopes with TypeScript 5 decorators.
import express, { type Express, type Request, type Response } from 'express';
import { configure, RequireAnyScope, RequireScope, tollgateErrorHandler, type VerifierOptions } from '@tollgate/express';

class OrdersController {
  private readonly orders = [{ id: 1, item: 'coffee' }];

  @RequireScope('orders:read')
  list(_req: Request, res: Response) {
    res.json(this.orders); // `this` works: decorated methods are bound to their instance
  }

  @RequireAnyScope('orders:write', 'orders:admin')
  create(req: Request, res: Response) {
    res.status(201).json({ createdBy: req.auth?.clientId });
  }
}

export function createExpressControllerApp(options: VerifierOptions): Express {
  configure(options); // the decorators authenticate with these options
  const orders = new OrdersController();
  const app = express();
  app.get('/orders', orders.list);
  app.post('/orders', orders.create);
  app.use(tollgateErrorHandler());
  return app;
}
