// The Fastify plugin: decorates request.auth, protects routes from their config, adds requireScope.
import {
  createGuard,
  DefaultConfiguration,
  resolveAdapterOptions,
  validateScopes,
  type AdapterOptions,
  type Guard,
  type GuardOptions,
  type Verifier,
} from '@tollgate/core';
import type { FastifyPluginAsync, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import { attach, stateOf, toRequestLike } from './request.js';

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
     * When `false`, only routes with tollgate `config` or a `requireScope` preHandler are checked. Default `true`.
     */
    global?: boolean;
    /** Scopes every authenticated route requires. */
    scopes?: readonly string[];
  };

/** The configuration that `@RequireScope` decorators use; set by the plugin or by `configure()`. */
export const defaults = new DefaultConfiguration('@tollgate/fastify', {
  subject: '@RequireScope',
  setup: 'register the plugin, app.register(tollgate, { issuer, audience }), or call configure({ issuer, audience }) before it',
});

/** Runs a guard as a Fastify hook; a refusal is thrown with `statusCode` and `headers` for Fastify's error handler. */
export function guardHook(guard: Guard): onRequestAsyncHookHandler {
  return async (request: FastifyRequest) => {
    attach(request, await guard(toRequestLike(request), stateOf(request)));
  };
}

/**
 * Sets the options that `@RequireScope` uses outside the plugin (the plugin sets them too).
 * @example configure({ issuer: 'https://auth.example.com/', audience: 'https://api.example.com' });
 */
export function configure(options: AdapterOptions | Verifier, guardOptions?: GuardOptions): Verifier {
  const resolved = resolveAdapterOptions(options, guardOptions);
  defaults.set(resolved.verifier, resolved.guardOptions);
  return resolved.verifier;
}

const plugin: FastifyPluginAsync<TollgateFastifyOptions> = async (fastify, options) => {
  const { global = true, scopes: globalScopes = [], ...rest } = options;
  const { verifier, guardOptions } =
    'verifier' in rest ? resolveAdapterOptions(rest.verifier, rest) : resolveAdapterOptions(rest as AdapterOptions);
  defaults.set(verifier, guardOptions);
  validateScopes(globalScopes, '@tollgate/fastify scopes');

  fastify.decorateRequest('auth', null);
  const scoped = (mode: 'all' | 'any', name: string) => (...scopes: string[]) =>
    guardHook(createGuard(verifier, { ...guardOptions, optional: false, scopes, mode, name }));
  fastify.decorate('requireScope', scoped('all', 'requireScope'));
  fastify.decorate('requireAnyScope', scoped('any', 'requireAnyScope'));

  fastify.addHook('onRoute', (route) => {
    const config = (route.config ?? {}) as TollgateRouteConfig;
    const routeScopes = config.scopes ?? [];
    const anyScopes = config.anyScopes ?? [];
    const wanted = config.auth ?? (global || routeScopes.length > 0 || anyScopes.length > 0);
    if (wanted === false) return;
    const optional = wanted === 'optional' ? true : guardOptions.optional;
    const hooks = [guardHook(createGuard(verifier, { ...guardOptions, optional, scopes: globalScopes, name: '@tollgate/fastify' }))];
    if (routeScopes.length) hooks.push(guardHook(createGuard(verifier, { ...guardOptions, scopes: routeScopes, mode: 'all', name: `${route.url} config.scopes` })));
    if (anyScopes.length) hooks.push(guardHook(createGuard(verifier, { ...guardOptions, scopes: anyScopes, mode: 'any', name: `${route.url} config.anyScopes` })));
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
