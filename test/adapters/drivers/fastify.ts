// The Fastify driver of the adapter suites: each AppSpec built with @tollgate/fastify, on Fastify 4 and 5.
import type { AdapterOptions, ScopeMode } from '@tollgate/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { FASTIFY_VERSIONS, type FastifyModule, type FrameworkVersion } from '../../support/frameworks.js';
import { serveFastify } from '../../support/server.js';
import { CONTROLLER_SOURCE, echoBody, failLater, failNow, freshTargets, type AdapterDriver, type AdapterHandle, type AppSpec, type RouteSpec } from '../driver.js';

type Adapter = typeof import('../../../packages/fastify/src/index.js');
type Handler = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown> | unknown;

function controllerOf(adapter: Adapter) {
  class OrdersController {
    readonly source = CONTROLLER_SOURCE;
    calls = 0;

    @adapter.RequireScope('orders:read')
    async list(request: FastifyRequest, _reply: FastifyReply) {
      this.calls += 1;
      return { source: this.source, scopes: request.auth?.scopes };
    }

    @adapter.RequireAnyScope('a', 'b')
    async either(request: FastifyRequest) {
      return { source: this.source, subject: request.auth?.subject };
    }

    @adapter.RequireScope('orders:read')
    async failsLater(): Promise<never> {
      return failLater(this.source);
    }

    @adapter.RequireScope('orders:read')
    failsNow(): never {
      return failNow(this.source);
    }
  }
  return new OrdersController();
}

function greeterOf(adapter: Adapter, greeting: string): Handler {
  class Greeter {
    constructor(readonly greeting: string) {}

    @adapter.RequireScope('orders:read')
    async greet() {
      return { greeting: this.greeting };
    }
  }
  return new Greeter(greeting).greet;
}

/** The Fastify form of a standalone guard: a handler decorated with `@RequireScope`/`@RequireAnyScope`. */
function standaloneOf(adapter: Adapter, scopes: readonly string[], mode: ScopeMode | undefined, echo: Handler): Handler {
  const decorator = mode === 'any' ? adapter.RequireAnyScope(...scopes) : adapter.RequireScope(...scopes);
  class Standalone {
    @decorator
    async handle(request: FastifyRequest, reply: FastifyReply) {
      return echo(request, reply);
    }
  }
  return new Standalone().handle;
}

function handleOf(version: FrameworkVersion<FastifyModule>, adapter: Adapter): AdapterHandle {
  /** Runs `use` on an app of its own with the plugin registered, then closes it. */
  const withPlugin = async (options: AdapterOptions, use: (app: FastifyInstance) => unknown): Promise<void> => {
    const app = version.module();
    try {
      await app.register(adapter.tollgate, options);
      await use(app);
    } finally {
      await app.close();
    }
  };

  return {
    module: adapter,
    async app(spec: AppSpec) {
      const app = version.module();
      const reached: string[] = [];
      const errors: unknown[] = [];
      const controller = controllerOf(adapter);
      const echo: Handler = async (request) => {
        reached.push(request.auth?.subject ?? '(none)');
        return echoBody(request.auth);
      };

      const { errors: handling = 'tollgate' } = spec;
      if (handling === 'tollgate') {
        const render = adapter.tollgateErrorHandler();
        app.setErrorHandler((error, request, reply) =>
          error instanceof adapter.TollgateError
            ? render(error, request, reply)
            : reply.code(500).send({ caught: error instanceof Error ? error.message : String(error) }),
        );
      } else if (handling !== 'default') {
        app.setErrorHandler((error, _request, reply) => {
          errors.push(error);
          const answer = handling(error);
          if (!answer) return reply.send(error);
          reply.code(answer.status);
          if (answer.headers) reply.headers(answer.headers);
          return reply.send(answer.body);
        });
      }

      if (spec.auth) {
        const { options, guard, global = true } = spec.auth;
        await app.register(adapter.tollgate, { ...(adapter.isVerifier(options) ? { verifier: options } : options), ...guard, global });
      }

      const mount = (route: RouteSpec): void => {
        switch (route.kind) {
          case 'echo':
            app.get(route.path, echo);
            return;
          case 'scopes': {
            const idiom = route.idiom ?? 'config';
            if (idiom === 'config') {
              app.get(route.path, { config: route.mode === 'any' ? { anyScopes: route.scopes } : { scopes: route.scopes } }, echo);
            } else if (idiom === 'preHandler') {
              const preHandler = route.mode === 'any' ? app.requireAnyScope(...route.scopes) : app.requireScope(...route.scopes);
              app.get(route.path, { preHandler }, echo);
            } else {
              throw new Error(`no ${idiom} in Fastify`);
            }
            return;
          }
          case 'standalone':
            app.get(route.path, standaloneOf(adapter, route.scopes, route.mode, echo));
            return;
          case 'requireAuth':
            throw new Error('Fastify has no requireAuth: use the plugin (AppSpec.auth)');
          case 'decorated':
            app.get(route.path, controller[route.method]);
            return;
          case 'greeter':
            app.get(route.path, greeterOf(adapter, route.greeting));
            return;
          case 'wrapped': {
            // The method's promise is not returned: only the decorator can answer a refusal, through the reply.
            const method = controller[route.method] as (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
            app.get(route.path, (request, reply) => {
              void method(request, reply).then((body) => {
                if (!reply.sent) void reply.send(body);
              });
            });
            return;
          }
        }
      };
      for (const route of spec.routes) mount(route);

      const served = await serveFastify(app);
      return { url: served.url, reached, errors, controller, close: served.close };
    },
    startup: (options) => withPlugin(options, () => undefined),
    scopeGuardFactories: [
      {
        name: 'fastify.requireScope',
        create: (scope, options) => withPlugin(options, (app) => app.requireScope('orders:read', scope)),
        createEmpty: (options) => withPlugin(options, (app) => app.requireScope()),
      },
      {
        name: 'fastify.requireAnyScope',
        create: (scope, options) => withPlugin(options, (app) => app.requireAnyScope(scope)),
        createEmpty: (options) => withPlugin(options, (app) => app.requireAnyScope()),
      },
      {
        name: 'route config.scopes',
        create: (scope, options) =>
          withPlugin(options, async (app) => {
            app.get('/bad', { config: { scopes: [scope] } }, async () => 'never');
            await app.ready();
          }),
        // Under global: false, where an empty list used to skip even authentication.
        createEmpty: (options) =>
          withPlugin({ ...options, global: false } as unknown as AdapterOptions, async (app) => {
            app.get('/bad', { config: { scopes: [] } }, async () => 'never');
            await app.ready();
          }),
      },
      {
        name: 'route config.anyScopes',
        create: (scope, options) =>
          withPlugin(options, async (app) => {
            app.get('/bad', { config: { anyScopes: [scope] } }, async () => 'never');
            await app.ready();
          }),
        createEmpty: (options) =>
          withPlugin({ ...options, global: false } as unknown as AdapterOptions, async (app) => {
            app.get('/bad', { config: { anyScopes: [] } }, async () => 'never');
            await app.ready();
          }),
      },
      {
        name: 'plugin scopes',
        create: (scope, options) => withPlugin({ ...options, scopes: [scope] } as unknown as AdapterOptions, () => undefined),
        createEmpty: (options) => withPlugin({ ...options, scopes: [] } as unknown as AdapterOptions, () => undefined),
      },
    ],
  };
}

export const fastifyDriver: AdapterDriver = {
  name: 'fastify',
  targets: freshTargets(FASTIFY_VERSIONS, () => import('../../../packages/fastify/src/index.js'), handleOf),
  entryPoint: 'plugin registration',
  unconfiguredMessage:
    '@tollgate/fastify: @RequireScope has no verifier: register the plugin in the context that serves the route, app.register(tollgate, { issuer, audience }), or call configure({ issuer, audience })',
  scopeIdioms: ['config', 'preHandler'],
  hasRequireAuth: false,
};
