// The Fastify plugin: decorates request.auth, protects routes from their config, adds requireScope.
import {
  bindRequests,
  configureDefaults,
  createGuard,
  DefaultConfiguration,
  defineScopeDecorators,
  validateScopes,
  type AdapterOptions,
  type Guard,
  type GuardOptions,
  type ScopeDecorator,
  type Verifier,
} from '@tollgate/core';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import fp from 'fastify-plugin';

/** Route `config` that tollgate reads. */
export interface TollgateRouteConfig {
  /** Scopes this route requires, all of them. */
  scopes?: readonly string[];
  /** Scopes of which this route requires at least one. */
  anyScopes?: readonly string[];
  /** `false`: a public route; `'optional'`: a token is checked when present; `true`: required. */
  auth?: boolean | 'optional';
}

/** Options of the {@link tollgate} plugin. */
export type TollgateFastifyOptions = (AdapterOptions | { verifier: Verifier }) &
  GuardOptions & {
    /**
     * Authenticate every route registered after the plugin (routes opt out with `config: { auth: false }`).
     * When `false`, only routes with tollgate `config` or a `requireScope` hook are checked. Default `true`.
     */
    global?: boolean;
    /** Scopes every authenticated route requires. */
    scopes?: readonly string[];
  };

// The configuration that `@RequireScope` uses: set by the plugin or by `configure()`.
const defaults = new DefaultConfiguration('@tollgate/fastify', {
  subject: '@RequireScope',
  setup: 'register the plugin, app.register(tollgate, { issuer, audience }), or call configure({ issuer, audience }) before it',
});

const runGuard = bindRequests<FastifyRequest>({
  read: (request) => ({ headers: request.headers, rawHeaders: request.raw.rawHeaders, method: request.method, query: request.query, body: request.body }),
  getAuth: (request) => request.auth,
  setAuth: (request, token) => {
    request.auth = token;
  },
});

// A refusal is thrown with `statusCode` and `headers`, which Fastify's error handlers honour.
const guardHook = (guard: Guard): onRequestAsyncHookHandler => (request) => runGuard(guard, request);

const decorators = defineScopeDecorators<[request: FastifyRequest, reply: FastifyReply]>(defaults, async (guard, [request], call) => {
  await runGuard(guard, request);
  return call();
});

/**
 * Sets the options that `@RequireScope` uses outside the plugin (registering the plugin sets them too).
 * @example configure({ issuer: 'https://auth.example.com/', audience: 'https://api.example.com' });
 */
export function configure(options: AdapterOptions | Verifier, guardOptions?: GuardOptions): Verifier {
  return configureDefaults(defaults, options, guardOptions).verifier;
}

/** A scope decorator for Fastify handler methods `(request, reply)`. */
export type FastifyScopeDecorator = ScopeDecorator<[request: FastifyRequest, reply: FastifyReply]>;

/**
 * Requires every listed scope before the decorated handler runs; same responses as route `config.scopes`.
 * @example
 * class Orders {
 *   @RequireScope('orders:read')
 *   async list(request: FastifyRequest) { return []; }
 * }
 * app.get('/orders', { config: { auth: false } }, new Orders().list);
 */
export const RequireScope: (...scopes: string[]) => FastifyScopeDecorator = decorators.RequireScope;

/** Requires at least one of the listed scopes before the decorated handler runs. */
export const RequireAnyScope: (...scopes: string[]) => FastifyScopeDecorator = decorators.RequireAnyScope;

const plugin: FastifyPluginAsync<TollgateFastifyOptions> = async (fastify, options) => {
  const { global = true, scopes: globalScopes = [], ...rest } = options;
  const { verifier, guardOptions } = 'verifier' in rest ? configureDefaults(defaults, rest.verifier, rest) : configureDefaults(defaults, rest as AdapterOptions);
  validateScopes(globalScopes, '@tollgate/fastify scopes');
  const guard = (rules: Parameters<typeof createGuard>[1]) => guardHook(createGuard(verifier, { ...guardOptions, ...rules }));

  fastify.decorateRequest('auth', null);
  fastify.decorate('requireScope', (...scopes: string[]) => guard({ optional: false, scopes, mode: 'all', name: 'requireScope' }));
  fastify.decorate('requireAnyScope', (...scopes: string[]) => guard({ optional: false, scopes, mode: 'any', name: 'requireAnyScope' }));

  fastify.addHook('onRoute', (route) => {
    const config = (route.config ?? {}) as TollgateRouteConfig;
    const routeScopes = config.scopes ?? [];
    const anyScopes = config.anyScopes ?? [];
    const wanted = config.auth ?? (global || routeScopes.length > 0 || anyScopes.length > 0);
    if (wanted === false) return;
    // A route marked optional lets a request without a token through all its checks; the plugin-wide
    // `optional` only relaxes authentication, never scopes a route asks for itself.
    const routeOptional = wanted === 'optional';
    const hooks = [guard({ optional: routeOptional || guardOptions.optional === true, scopes: globalScopes, name: '@tollgate/fastify scopes' })];
    if (routeScopes.length) hooks.push(guard({ optional: routeOptional, scopes: routeScopes, mode: 'all', name: `${route.url} config.scopes` }));
    if (anyScopes.length) hooks.push(guard({ optional: routeOptional, scopes: anyScopes, mode: 'any', name: `${route.url} config.anyScopes` }));
    // A body token needs the parsed body (preValidation); otherwise refuse before the body is read (onRequest).
    const phase = guardOptions.allowBody ? 'preValidation' : 'onRequest';
    const existing = route[phase];
    route[phase] = [...hooks, ...(existing ? [existing].flat() : [])] as never;
  });
};

/**
 * The tollgate plugin for Fastify 4 and 5. Decorates `request.auth`, authenticates routes, reads
 * route `config: { scopes }`, and adds `fastify.requireScope(...)` / `fastify.requireAnyScope(...)` for `preHandler`.
 * Register it before the routes it protects.
 * @example
 * await app.register(tollgate, { issuer: 'https://auth.example.com/', audience: 'https://api.example.com' });
 * app.get('/orders', { config: { scopes: ['orders:read'] } }, async (request) => request.auth?.scopes);
 */
export const tollgate = fp(plugin, { fastify: '4.x || 5.x', name: '@tollgate/fastify' });
