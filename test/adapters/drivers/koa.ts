// The Koa driver of the adapter suites: each AppSpec built with @tollgate/koa and @koa/router, on Koa 2 and 3.
import Router from '@koa/router';
import type { Context, Middleware, Next } from 'koa';
import { KOA_VERSIONS, type FrameworkVersion, type KoaModule } from '../../support/frameworks.js';
import { serve } from '../../support/server.js';
import { CONTROLLER_SOURCE, echoBody, failLater, failNow, freshTargets, type AdapterDriver, type AdapterHandle, type AppSpec, type ControllerMethod } from '../driver.js';
import { applyAuth, middlewareHandleParts, routeMiddleware } from './middleware.js';

type Adapter = typeof import('../../../packages/koa/src/index.js');

function controllerOf(adapter: Adapter) {
  class OrdersController {
    readonly source = CONTROLLER_SOURCE;
    calls = 0;

    @adapter.RequireScope('orders:read')
    async list(ctx: Context): Promise<void> {
      this.calls += 1;
      ctx.body = { source: this.source, scopes: ctx.state.auth?.scopes };
    }

    @adapter.RequireAnyScope('a', 'b')
    async either(ctx: Context, _next: Next): Promise<void> {
      ctx.body = { source: this.source, subject: ctx.state.auth?.subject };
    }

    @adapter.RequireScope('orders:read')
    async failsLater(_ctx: Context): Promise<void> {
      return failLater(this.source);
    }

    @adapter.RequireScope('orders:read')
    failsNow(_ctx: Context): void {
      return failNow(this.source);
    }
  }
  return new OrdersController();
}

function greeterOf(adapter: Adapter, greeting: string): Middleware {
  class Greeter {
    constructor(readonly greeting: string) {}

    @adapter.RequireScope('orders:read')
    async greet(ctx: Context): Promise<void> {
      ctx.body = { greeting: this.greeting };
    }
  }
  return new Greeter(greeting).greet;
}

/** Renders every error but tollgate's (handled inside it) as 500 with its message, so a test sees which error arrived. */
const caught: Middleware = async (ctx, next) => {
  try {
    await next();
  } catch (error) {
    ctx.status = 500;
    ctx.body = { caught: error instanceof Error ? error.message : String(error) };
  }
};

function handleOf(version: FrameworkVersion<KoaModule>, adapter: Adapter): AdapterHandle {
  return {
    module: adapter,
    async app(spec: AppSpec) {
      const app = new version.module();
      const reached: string[] = [];
      const errors: unknown[] = [];
      const controller = controllerOf(adapter);
      const echo: Middleware = (ctx) => {
        reached.push(ctx.state.auth?.subject ?? '(none)');
        ctx.body = echoBody(ctx.state.auth);
      };

      // Error handling first, so it sees what every later middleware throws.
      const { errors: handling = 'tollgate' } = spec;
      if (handling === 'tollgate') {
        app.use(caught);
        app.use(adapter.tollgateErrorHandler());
      } else if (handling === 'default') {
        // A listener replaces Koa's default logging of unexposed errors; the test reads what was reported.
        app.on('error', (error: unknown) => errors.push(error));
      } else {
        app.use(async (ctx, next) => {
          try {
            await next();
          } catch (error) {
            errors.push(error);
            const answer = handling(error);
            if (!answer) throw error;
            ctx.status = answer.status;
            if (answer.headers) ctx.set(answer.headers);
            if (answer.body !== undefined) ctx.body = answer.body;
          }
        });
      }

      applyAuth(adapter, spec, (middleware) => app.use(middleware));
      // Koa answers from the returned promise only, so the wrapper returns it, without passing next.
      const wrapped = (method: ControllerMethod): Middleware => (ctx) => (controller[method] as (ctx: Context) => Promise<unknown>)(ctx);
      const endpoints = { echo, controller, greeter: (greeting: string) => greeterOf(adapter, greeting), wrapped };
      const router = new Router();
      for (const route of spec.routes) router.get(route.path, ...routeMiddleware(adapter, endpoints, route));
      app.use(router.routes());

      const served = await serve(app.callback());
      return { url: served.url, reached, errors, controller, close: served.close };
    },
    ...middlewareHandleParts(adapter),
  };
}

export const koaDriver: AdapterDriver = {
  name: 'koa',
  targets: freshTargets(KOA_VERSIONS, () => import('../../../packages/koa/src/index.js'), handleOf),
  entryPoint: 'requireAuth()',
  unconfiguredMessage:
    '@tollgate/koa: requireScope() has no verifier: call configure({ issuer, audience }) or use requireAuth({ issuer, audience }) before it',
  scopeIdioms: ['requireScope'],
  hasRequireAuth: true,
};
