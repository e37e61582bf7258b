// The Fastify plugin: decorates request.auth, protects routes from their config, adds requireScope.
import {
  bindRequests,
  bindRequestsNow,
  configureDefaults,
  createMetadataResponder,
  declareScopes,
  DefaultConfiguration,
  defineScopeDecorators,
  requestUrlFrom,
  scopeGuardsBySource,
  TollgateConfigError,
  type AdapterOptions,
  type Guard,
  type GuardOptions,
  type MetadataResponder,
  type RequestAccess,
  type ScopeDecorator,
  type ScopeMode,
  type Verifier,
} from '@tollgate/core';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest, HookHandlerDoneFunction, onRequestAsyncHookHandler, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import { checkScopeList, register, registrationOf, type Registration, type TollgateFastifyOptions } from './registration.js';
import { hasTollgateConfig, planRoute, routeName, type TollgateRouteConfig } from './route-plan.js';

export type { TollgateFastifyOptions } from './registration.js';
export type { TollgateRouteConfig } from './route-plan.js';

// The explicit default of `@RequireScope` on a request no registration serves: set by configure() only.
const defaults = new DefaultConfiguration('@tollgate/fastify', {
  subject: '@RequireScope',
  setup: 'register the plugin in the context that serves the route, app.register(tollgate, { issuer, audience }), or call configure({ issuer, audience })',
});

const requests: RequestAccess<FastifyRequest> = {
  read: (request) => ({
    headers: request.headers,
    rawHeaders: request.raw.rawHeaders,
    method: request.method,
    query: request.query,
    body: request.body,
    // For a DPoP proof's htu, built only for a DPoP request. Forwarded headers count only under the
    // instance's `trustProxy`; Fastify 5 has `host` (with the port), Fastify 4's `hostname` has the port.
    url: () => requestUrlFrom(request.protocol, (request as { host?: string }).host ?? request.hostname, request.url),
    // Its TLS client certificate is read only for a certificate-bound token (RFC 8705).
    socket: request.raw.socket,
  }),
  getAuth: (request) => request.auth,
  setAuth: (request, token) => {
    request.auth = token;
  },
};
const runGuard = bindRequests(requests);
const runGuardNow = bindRequestsNow(requests);

async function runGuards(guards: readonly Guard[], request: FastifyRequest): Promise<void> {
  for (const guard of guards) await runGuard(guard, request);
}

/** The registration serving the request's route; a route outside every registration fails closed. */
function servingRegistration(request: FastifyRequest, what: string): Registration {
  const registration = registrationOf(request.server);
  if (!registration) {
    throw new TollgateConfigError(`@tollgate/fastify: ${what} on ${routeName(request.routeOptions.config)} runs where no tollgate plugin is registered; register it in this context or an ancestor`);
  }
  return registration;
}

/** `fastify.requireScope` / `fastify.requireAnyScope`: hooks that use the registration serving the request. */
function scopeHookFactory(mode: ScopeMode, name: string) {
  return (...scopes: string[]): onRequestAsyncHookHandler => {
    const checked = checkScopeList(scopes, name)!;
    const guardFor = scopeGuardsBySource(checked, mode, name);
    const hook: onRequestAsyncHookHandler = async (request) => {
      await runGuard(guardFor(servingRegistration(request, name)), request);
    };
    scopeHooks.set(hook, { scopes: checked, name });
    return hook;
  };
}
// The hooks fastify.requireScope made, so a route declaring one records its scopes for the metadata.
const scopeHooks = new WeakMap<object, { scopes: readonly string[]; name: string }>();
const ROUTE_HOOKS = ['onRequest', 'preParsing', 'preValidation', 'preHandler'] as const;

/** Records, for the metadata's scopes_supported, the scopes of the fastify.requireScope hooks a route declares. */
function declareHookScopes(registration: Registration, route: RouteOptions): void {
  for (const key of ROUTE_HOOKS) {
    const hooks: unknown = (route as unknown as Record<string, unknown>)[key];
    for (const hook of Array.isArray(hooks) ? hooks : [hooks]) {
      const declared = typeof hook === 'function' ? scopeHooks.get(hook) : undefined;
      if (declared) declareScopes(registration.verifier, declared.scopes, declared.name);
    }
  }
}
// One function each for every registration, so a second registration recognises tollgate's own decoration.
const requireScopeHook = scopeHookFactory('all', 'requireScope');
const requireAnyScopeHook = scopeHookFactory('any', 'requireAnyScope');

const decorators = defineScopeDecorators<[request: FastifyRequest, reply: FastifyReply]>(
  defaults,
  (guard, [request, reply], call) => {
    const guarded: Promise<unknown> = runGuard(guard, request).then(call, (error: unknown) => {
      // Sent through the reply, which runs the app's error handler: a wrapper that calls the method
      // without returning its promise would otherwise leave the refusal as an unhandled rejection.
      if (typeof reply?.send === 'function' && !reply.sent) {
        reply.send(error);
        return reply;
      }
      // No reply to answer through (not passed, or already sent): the refusal still rejects for a
      // caller that awaits it, is logged, and never becomes an unhandled rejection that stops the
      // process. The handler's own errors do not pass here: they stay the caller's.
      request?.log?.warn?.('@tollgate/fastify: a decorated handler was refused with no reply to answer through; pass reply to it');
      guarded.catch(() => undefined);
      throw error;
    });
    return guarded;
  },
  ([request]) => registrationOf(request?.server),
);

/**
 * Sets the options `@RequireScope` uses on a request that no plugin registration serves. One default
 * for the whole process (the last call wins); a registration always takes precedence for its routes.
 * @example configure({ issuer: 'https://auth.example.com/', audience: 'https://api.example.com' });
 */
export function configure(options: AdapterOptions | Verifier, guardOptions?: GuardOptions): Verifier {
  return configureDefaults(defaults, options, guardOptions).verifier;
}

/** A scope decorator for Fastify handler methods `(request, reply)`. */
export type FastifyScopeDecorator = ScopeDecorator<[request: FastifyRequest, reply: FastifyReply]>;

/**
 * Requires every listed scope before the decorated handler runs; same responses as route `config.scopes`.
 * It uses the plugin registration of the context that serves the request (else `configure()`; else
 * it fails closed). Pass `reply` when you call it from your own handler.
 * @example
 * class Orders {
 *   @RequireScope('orders:read')
 *   async list(request: FastifyRequest) { return []; }
 * }
 * app.get('/orders', new Orders().list);
 */
export const RequireScope: (...scopes: string[]) => FastifyScopeDecorator = decorators.RequireScope;

/** Requires at least one of the listed scopes before the decorated handler runs. */
export const RequireAnyScope: (...scopes: string[]) => FastifyScopeDecorator = decorators.RequireAnyScope;

/** The root instance: contexts are created with Object.create(parent), so it ends the prototype chain. */
function rootOf(instance: FastifyInstance): FastifyInstance {
  let root = instance;
  for (let parent = Object.getPrototypeOf(root); typeof parent?.addHook === 'function'; parent = Object.getPrototypeOf(parent)) root = parent;
  return root;
}

const watchedRoots = new WeakSet<FastifyInstance>();

/**
 * Makes a route with tollgate config that no registration serves (a sibling context, a registration
 * inside an encapsulated plugin) a startup error when it is declared after this point, and a refusal
 * (500) on every request otherwise: such a route is never served open.
 */
function watchWholeApp(instance: FastifyInstance): void {
  const root = rootOf(instance);
  if (watchedRoots.has(root)) return;
  watchedRoots.add(root);
  const declared: Array<{ context: object; route: string }> = [];
  root.addHook('onRoute', function (this: object, route: RouteOptions) {
    if (hasTollgateConfig(route.config)) declared.push({ context: this, route: routeName({ method: route.method, url: route.url }) });
  });
  root.addHook('onReady', async () => {
    const stray = declared.filter(({ context }) => !registrationOf(context)).map(({ route }) => route);
    if (stray.length > 0) {
      throw new TollgateConfigError(`@tollgate/fastify: ${stray.join(', ')} carry tollgate config where no tollgate plugin is registered; register the plugin in their context or an ancestor`);
    }
  });
  // Hooks added to the root reach every context, those created earlier included.
  root.addHook('onRequest', async (request) => {
    if (registrationOf(request.server) === undefined && hasTollgateConfig(request.routeOptions.config)) servingRegistration(request, 'tollgate config');
  });
}

const METADATA_METHODS = ['GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'PATCH', 'DELETE'];
// Marks the metadata route: every registration's guard lets it through, registered before it or after.
const METADATA_ROUTE = Symbol('tollgate.metadataRoute');
// Per root instance, the documents served by path: one route each, however many registrations describe it.
const servedMetadata = new WeakMap<FastifyInstance, Map<string, { verifiers: Verifier[]; responder: MetadataResponder }>>();

/**
 * With the verifier's `metadata` on (the default once `resource` is given), serves its Protected Resource
 * Metadata (RFC 9728) at the one path its `resource` implies, on the root instance (a prefix of this context
 * must not move a well-known URL), as a public route. The raw URL is compared again in the handler, so a
 * router option that forgives a trailing slash, a duplicate slash or case never serves the document elsewhere.
 * Several registrations of one resource share one route (their scopes merged); two different documents
 * for one path are a startup error (createMetadataResponder names both).
 */
function serveMetadata(fastify: FastifyInstance, verifier: Verifier): void {
  if (!verifier.options.metadata) return;
  const root = rootOf(fastify);
  let served = servedMetadata.get(root);
  if (!served) servedMetadata.set(root, (served = new Map()));
  const path = verifier.options.metadata.path;
  const existing = served.get(path);
  if (existing) {
    if (existing.verifiers.includes(verifier)) return;
    const verifiers = [...existing.verifiers, verifier];
    existing.responder = createMetadataResponder(verifiers);
    existing.verifiers = verifiers;
    return;
  }
  const entry = { verifiers: [verifier], responder: createMetadataResponder(verifier) };
  served.set(path, entry);
  root.route({
    method: METADATA_METHODS,
    url: path,
    exposeHeadRoute: false,
    config: { [METADATA_ROUTE]: true },
    // Answered in onRequest, before any body is parsed: a POST is a 405, never a 415 or a body read.
    // Returning the sent reply ends the request here (Fastify's way to answer from a hook).
    onRequest: async (request, reply) => {
      const url = request.raw.url ?? '';
      const query = url.indexOf('?');
      const answer = entry.responder.respond(request.method, query === -1 ? url : url.slice(0, query));
      if (!answer) reply.callNotFound();
      else reply.code(answer.status).headers(answer.headers).send(answer.body === '' ? undefined : answer.body);
      return reply;
    },
    handler: async (_request, reply) => reply,
  });
}

const plugin: FastifyPluginAsync<TollgateFastifyOptions> = async (fastify, options) => {
  const registration = register(fastify, options);
  if (!fastify.hasRequestDecorator('auth')) fastify.decorateRequest('auth', null);
  for (const [name, hook] of [['requireScope', requireScopeHook], ['requireAnyScope', requireAnyScopeHook]] as const) {
    if (!fastify.hasDecorator(name)) fastify.decorate(name, hook);
    else if ((fastify as unknown as Record<string, unknown>)[name] !== hook) throw new TollgateConfigError(`@tollgate/fastify: another plugin already decorates fastify.${name}`);
  }

  // Route config of routes declared from now on is checked at declaration, so a mistake fails startup.
  fastify.addHook('onRoute', function (this: object, route) {
    if (hasTollgateConfig(route.config) || registration.global) planRoute(registration, route.config as TollgateRouteConfig | undefined, routeName(route));
    // The innermost registration serving the route is the verifier that decides its hooks.
    if (registrationOf(this) === registration) declareHookScopes(registration, route);
  });

  // One hook on the context, read at request time: Fastify applies it to every route of this context
  // and its children, whenever they were declared, so protection never depends on the order of
  // register() and the routes, or on an await. The innermost registration serving a route decides.
  const planOf = (request: FastifyRequest): readonly Guard[] => {
    const config = request.routeOptions.config as TollgateRouteConfig & object;
    let plan = registration.plans.get(config);
    if (!plan) {
      // Made on first use: its scopes were recorded when the route was declared (onRoute above), never now.
      plan = planRoute(registration, config, routeName(request.routeOptions.config), false);
      registration.plans.set(config, plan);
    }
    return plan;
  };
  // Callback style, so a route with nothing to check (another registration's, a public one) goes on at
  // once and a checked route's one guard runs without a promise of its own around it.
  // What done() throws on the promise path (Fastify 4 runs the schema validator after the last
  // preValidation hook without a try) would be an unhandled rejection: it goes to the reply instead.
  const answerThrown = (reply: FastifyReply) => (error: unknown) => {
    if (!reply.sent) reply.send(error);
  };
  const guardRoute = (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    let plan: readonly Guard[];
    try {
      // The metadata document is public for every registration, whichever order they were made in.
      const config = request.routeOptions.config as unknown as Record<symbol, unknown> | undefined;
      plan = registrationOf(request.server) === registration && config?.[METADATA_ROUTE] !== true ? planOf(request) : [];
    } catch (error) {
      done(error as Error);
      return;
    }
    if (plan.length === 0) {
      done();
      return;
    }
    if (plan.length > 1) {
      runGuards(plan, request).then(() => done(), done).catch(answerThrown(reply));
      return;
    }
    // A cached token is decided synchronously: done() then runs at once, outside the try, so an error of
    // the hooks and handler it runs is never taken for a refusal (nor answered twice).
    let pending: void | Promise<void>;
    try {
      pending = runGuardNow(plan[0]!, request);
    } catch (error) {
      done(error as Error);
      return;
    }
    if (pending) pending.then(() => done(), done).catch(answerThrown(reply));
    else done();
  };
  serveMetadata(fastify, registration.verifier);
  // A body token needs the parsed body (preValidation); otherwise refuse before the body is read (onRequest).
  fastify.addHook(registration.guardOptions.allowBody ? 'preValidation' : 'onRequest', guardRoute);
  if (rootOf(fastify) !== fastify) watchWholeApp(fastify);
};

/**
 * The tollgate plugin for Fastify 4 and 5. Decorates `request.auth`, authenticates the routes of the
 * context it is registered in (and its children), reads route `config: { scopes, anyScopes, auth }`,
 * and adds `fastify.requireScope(...)` / `fastify.requireAnyScope(...)` for `preHandler`. Routes are
 * protected whether they are declared before or after the plugin finished loading.
 * @example
 * app.register(tollgate, { issuer: 'https://auth.example.com/', audience: 'https://api.example.com' });
 * app.get('/orders', { config: { scopes: ['orders:read'] } }, async (request) => request.auth?.scopes);
 */
export const tollgate = fp(plugin, { fastify: '4.x || 5.x', name: '@tollgate/fastify' });
