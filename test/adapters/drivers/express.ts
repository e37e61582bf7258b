// The Express driver of the adapter suites: each AppSpec built with @tollgate/express, on Express 4 and 5.
import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from 'express';
import { EXPRESS_VERSIONS, type ExpressModule, type FrameworkVersion } from '../../support/frameworks.js';
import { serve } from '../../support/server.js';
import { CONTROLLER_SOURCE, echoBody, failLater, failNow, freshTargets, type AdapterDriver, type AdapterHandle, type AppSpec, type ControllerMethod } from '../driver.js';
import { applyAuth, middlewareHandleParts, routeMiddleware } from './middleware.js';

type Adapter = typeof import('../../../packages/express/src/index.js');

function controllerOf(adapter: Adapter) {
  class OrdersController {
    readonly source = CONTROLLER_SOURCE;
    calls = 0;

    @adapter.RequireScope('orders:read')
    list(req: Request, res: Response): void {
      this.calls += 1;
      res.json({ source: this.source, scopes: req.auth?.scopes });
    }

    @adapter.RequireAnyScope('a', 'b')
    either(req: Request, res: Response): void {
      res.json({ source: this.source, subject: req.auth?.subject });
    }

    @adapter.RequireScope('orders:read')
    async failsLater(_req: Request, _res: Response, _next: NextFunction): Promise<void> {
      return failLater(this.source);
    }

    @adapter.RequireScope('orders:read')
    failsNow(_req: Request, _res: Response): void {
      return failNow(this.source);
    }
  }
  return new OrdersController();
}

function greeterOf(adapter: Adapter, greeting: string): RequestHandler {
  class Greeter {
    constructor(readonly greeting: string) {}

    @adapter.RequireScope('orders:read')
    greet(_req: Request, res: Response): void {
      res.json({ greeting: this.greeting });
    }
  }
  return new Greeter(greeting).greet;
}

/** Renders every error but tollgate's as 500 with its message, so a test sees which error arrived. */
const caught: ErrorRequestHandler = (err, _req, res, _next) => {
  res.status(500).json({ caught: err instanceof Error ? err.message : String(err) });
};

function handleOf(version: FrameworkVersion<ExpressModule>, adapter: Adapter): AdapterHandle {
  return {
    module: adapter,
    async app(spec: AppSpec) {
      const app = version.module();
      const reached: string[] = [];
      const errors: unknown[] = [];
      const controller = controllerOf(adapter);
      const echo: RequestHandler = (req, res) => {
        reached.push(req.auth?.subject ?? '(none)');
        res.json(echoBody(req.auth));
      };

      applyAuth(adapter, spec, (middleware) => app.use(middleware));
      // The promise is deliberately not returned: nothing but the decorator can answer a refusal here.
      const wrapped = (method: ControllerMethod): RequestHandler => (req, res) => {
        void (controller[method] as (req: Request, res: Response) => unknown)(req, res);
      };
      const endpoints = { echo, controller, greeter: (greeting: string) => greeterOf(adapter, greeting), wrapped };
      for (const route of spec.routes) app.get(route.path, ...routeMiddleware(adapter, endpoints, route));

      const { errors: handling = 'tollgate' } = spec;
      if (handling === 'tollgate') {
        app.use(adapter.tollgateErrorHandler());
        app.use(caught);
      } else if (handling !== 'default') {
        const userHandler: ErrorRequestHandler = (err, _req, res, next) => {
          errors.push(err);
          const answer = handling(err);
          if (!answer) {
            next(err);
            return;
          }
          res.status(answer.status);
          if (answer.headers) res.set(answer.headers);
          if (answer.body === undefined) res.end();
          else res.json(answer.body);
        };
        app.use(userHandler);
      }

      const served = await serve(app);
      return { url: served.url, reached, errors, controller, close: served.close };
    },
    ...middlewareHandleParts(adapter),
  };
}

export const expressDriver: AdapterDriver = {
  name: 'express',
  targets: freshTargets(EXPRESS_VERSIONS, () => import('../../../packages/express/src/index.js'), handleOf),
  entryPoint: 'requireAuth()',
  unconfiguredMessage:
    '@tollgate/express: requireScope() has no verifier: call configure({ issuer, audience }) or use requireAuth({ issuer, audience }) before it',
  scopeIdioms: ['requireScope'],
  hasRequireAuth: true,
};
