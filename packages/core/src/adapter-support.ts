// What every framework adapter is built from: option splitting, request binding, middleware factories, decorators.
import type { AccessToken } from './access-token.js';
import type { ClaimRuleSet } from './claim-rules.js';
import type { Verifier } from './create-verifier.js';
import type { RequestLike } from './extract-bearer-token.js';
import { recordScopes } from './lib/scope-registry.js';
import { createGuard, holdsIn, isVerifier, synchronousGuardOf, toVerifier, type Decision, type DefaultConfiguration, type Guard, type GuardOptions, type GuardState, type StepUpRequirement } from './guard.js';
import type { ScopeMode } from './has-scopes.js';
import { TollgateConfigError } from './errors.js';
import { checkGuardOptions, GUARD_SWITCHES } from './lib/guard-options.js';
import { isThenable } from './lib/thenable.js';
import type { VerifierOptions } from './options.js';

/** Options of an adapter's `requireAuth`: the verifier's options plus how requests are read. */
export type AdapterOptions = VerifierOptions & GuardOptions;

/** Whether `key` names a guard option (`optional`, `allowQuery`, `allowBody`, `allowPreflight`, `realm`) rather than a verifier option. */
export function isGuardOptionKey(key: string): boolean {
  return key === 'realm' || (GUARD_SWITCHES as readonly string[]).includes(key);
}

/**
 * Splits adapter options into a verifier (created now, so bad options fail at startup) and the
 * guard's transport options. A ready verifier may be passed instead, with guard options beside it.
 * A guard option given both inside the options and beside them with different values is refused,
 * as is an unknown guard option beside them.
 */
export function resolveAdapterOptions(
  input: AdapterOptions | Verifier,
  guardOptions: GuardOptions = {},
): { verifier: Verifier; guardOptions: GuardOptions } {
  const beside = checkGuardOptions(guardOptions, 'tollgate');
  // A verifier passes through; anything that is not an object fails in toVerifier's option check.
  if (isVerifier(input) || typeof input !== 'object' || input === null) return { verifier: toVerifier(input), guardOptions: { ...beside } };
  const verifierOptions: Record<string, unknown> = { ...input };
  const guard: Record<string, unknown> = { ...beside };
  const inside: Record<string, unknown> = {};
  for (const key of GUARD_SWITCHES) {
    if (key in verifierOptions) inside[key] = verifierOptions[key];
    delete verifierOptions[key];
  }
  if (input.realm !== undefined) inside.realm = input.realm;
  checkGuardOptions(inside, 'tollgate');
  for (const [key, value] of Object.entries(inside)) {
    if (guard[key] !== undefined && value !== undefined && guard[key] !== value) {
      throw new TollgateConfigError(`tollgate: ${key} is given twice with different values (${JSON.stringify(value)} in the options, ${JSON.stringify(guard[key])} beside them); give it once`);
    }
    guard[key] ??= value;
  }
  return { verifier: toVerifier(verifierOptions as unknown as VerifierOptions), guardOptions: guard as GuardOptions };
}

/**
 * `configure()` of every adapter: validates the options now and makes them the explicit defaults of
 * standalone `requireScope` and the decorators. Returns the verifier and the guard options.
 */
export function configureDefaults(
  defaults: DefaultConfiguration,
  options: AdapterOptions | Verifier,
  guardOptions?: GuardOptions,
): { verifier: Verifier; guardOptions: GuardOptions } {
  const resolved = resolveAdapterOptions(options, guardOptions);
  defaults.set(resolved.verifier, resolved.guardOptions);
  configuredOptions.set(defaults, options);
  return resolved;
}

// What each adapter's configure() was last given: the same object passed to protectedResourceMetadata means that verifier.
const configuredOptions = new WeakMap<DefaultConfiguration, object>();

/**
 * The options object (or verifier) `configure()` was last given for `defaults`; `undefined` before.
 * @example if (configuredFrom(defaults) === options) use(defaults.configured);
 */
export function configuredFrom(defaults: DefaultConfiguration): object | undefined {
  return configuredOptions.get(defaults);
}

/** A handler method that takes (a prefix of) the framework's handler arguments. */
export type HandlerMethod<This, Args extends unknown[]> = (this: This, ...args: Args) => unknown;

/** A standard method decorator that keeps the decorated method's type. */
export type ScopeDecorator<Args extends unknown[]> = <This, Method extends HandlerMethod<This, Args>>(
  method: Method,
  context: ClassMethodDecoratorContext<This, Method>,
) => Method;

/**
 * Builds a TypeScript 5 standard method decorator that wraps a handler and binds it to its
 * instance, so `app.get('/orders', controller.list)` keeps `this`. The decorated method keeps its type.
 * @example
 * const RequireScope = (...scopes: string[]) => createMethodDecorator<[Request, Response, NextFunction]>((method) => guarded(method, scopes));
 */
export function createMethodDecorator<Args extends unknown[]>(
  wrap: (method: HandlerMethod<unknown, Args>) => HandlerMethod<unknown, Args>,
): ScopeDecorator<Args> {
  return ((method: HandlerMethod<unknown, Args>, context: ClassMethodDecoratorContext) => {
    if (!context.private) {
      context.addInitializer(function (this: unknown) {
        const self = this as Record<string | symbol, unknown>;
        const bound = (self[context.name] as (...args: unknown[]) => unknown).bind(this);
        Object.defineProperty(self, context.name, { value: bound, configurable: true, writable: true });
      });
    }
    return wrap(method);
  }) as ScopeDecorator<Args>;
}

/** How an adapter reads its framework's request object and stores the verified token on it. */
export interface RequestAccess<Request extends object> {
  /** Maps the framework's request to the {@link RequestLike} shape core reads. */
  read(request: Request): RequestLike;
  /** The token attached to the request now, by tollgate or by other code. */
  getAuth(request: Request): AccessToken | null | undefined;
  /** Attaches a verified token where handlers read it (`req.auth`, `ctx.state.auth`, `request.auth`). */
  setAuth(request: Request, token: AccessToken): void;
  /**
   * Where in the app the request is now, for {@link Decision.scope} (Express: `req.baseUrl`, which a
   * router restores when a request falls through it). Omitted: the whole app.
   */
  scopeOf?(request: Request): string;
}

/**
 * The query of a Node-style request (Express, Nest on Express or Fastify), read only when it can hold a
 * token: `request.query` when the URL has a query string or `query` is the request's own property (set by
 * a parser, Fastify, or your code); otherwise `undefined`. Express 5's `req.query` is a getter that parses
 * the URL again on every read, and a URL without `?` has the query `{}`.
 * @example read: (req) => ({ headers: req.headers, method: req.method, query: queryIfPresent(req) })
 */
export function queryIfPresent(request: { url?: string | undefined; query?: unknown }): unknown {
  return typeof request.url === 'string' && !request.url.includes('?') && !Object.hasOwn(request, 'query') ? undefined : request.query;
}

/** Runs a guard against a framework request and attaches the token it resolves. */
export type RunGuard<Request extends object> = (guard: Guard, request: Request) => Promise<void>;

// The last tollgate decision for a request, kept on the request object itself: it lives exactly as
// long as the request, and no table shared between apps or requests is involved.
const DECISION = Symbol('tollgate.decision');
type Decided = { [DECISION]?: Decision | undefined };

/**
 * Runs a guard against a framework request and attaches the token it resolves, synchronously when the
 * guard could decide without a signature check: returns `undefined` once done, or a promise; a refusal is
 * thrown (or rejects). For callback-style frameworks (Express middleware, Fastify hooks).
 */
export type RunGuardNow<Request extends object> = (guard: Guard, request: Request) => void | Promise<void>;

/**
 * Binds a synchronous-when-possible guard runner to a framework's request shape. It keeps each guard's
 * {@link Decision} on the request, so a later guard knows which verifier attached the token (or found
 * none). A caller must handle both a throw and a returned promise, and must not call the framework's
 * `next` inside the `try` that catches the throw (a throw from the route would look like a refusal).
 * @example
 * let pending;
 * try { pending = runGuardNow(guard, req); } catch (error) { return refuse(error); }
 * // next() throwing inside the promise must still end in a response, never an unhandled rejection.
 * if (pending) pending.then(() => next(), refuse).catch(answerServerError); else next();
 */
export function bindRequestsNow<Request extends object>(access: RequestAccess<Request>): RunGuardNow<Request> {
  const attach = (request: Request, state: GuardState, token: AccessToken | undefined): void => {
    const decided = request as Request & Decided;
    if (state.decision !== decided[DECISION]) decided[DECISION] = state.decision;
    if (token) access.setAuth(request, token);
  };
  return (guard, request) => {
    const state: GuardState = { auth: access.getAuth(request), decision: (request as Request & Decided)[DECISION], scope: access.scopeOf?.(request) };
    const decide = synchronousGuardOf(guard);
    const outcome = decide ? decide(access.read(request), state) : guard(access.read(request), state);
    if (isThenable<AccessToken | undefined>(outcome)) return Promise.resolve(outcome).then((token) => attach(request, state, token));
    attach(request, state, outcome as AccessToken | undefined);
    return undefined;
  };
}

/**
 * Binds a guard runner to a framework's request shape: {@link bindRequestsNow}, always as a promise.
 */
export function bindRequests<Request extends object>(access: RequestAccess<Request>): RunGuard<Request> {
  const runNow = bindRequestsNow(access);
  return (guard, request) => {
    try {
      return Promise.resolve(runNow(guard, request));
    } catch (error) {
      return Promise.reject(error);
    }
  };
}

/**
 * The access token a tollgate guard verified and attached to this request, read from the guard's own
 * record rather than from a property other middleware could have written.
 * @param request - the framework's request object (Express `req`, Koa `ctx`, Fastify `request`).
 * @param scope - where in the app the request is now ({@link RequestAccess.scopeOf}); a decision made
 *   elsewhere (inside a router the request has left) is not reported. Default `''`: the whole app.
 * @returns the token, or `undefined` when no tollgate guard attached one.
 * @example const token = decidedToken(req, req.baseUrl);
 */
export function decidedToken(request: object, scope = ''): AccessToken | undefined {
  const decision = (request as Decided)[DECISION];
  return decision !== undefined && holdsIn(decision.scope, scope) ? decision.token : undefined;
}

/** The middleware factories every middleware-style adapter exports, typed with its middleware type. */
export interface MiddlewareFactories<Middleware> {
  /** Makes `options` the explicit defaults of standalone `requireScope` and the scope decorators; returns the verifier. */
  configure(options: AdapterOptions | Verifier, guardOptions?: GuardOptions): Verifier;
  /** Middleware that authenticates each request with its own verifier and attaches the token. */
  requireAuth(options: AdapterOptions | Verifier, guardOptions?: GuardOptions): Middleware;
  /** Middleware that requires every listed scope. */
  requireScope(...scopes: string[]): Middleware;
  /** Middleware that requires at least one of the listed scopes. */
  requireAnyScope(...scopes: string[]): Middleware;
  /** Middleware that requires the token's claims to satisfy `rules` (403 when one fails). */
  requireClaims(rules: ClaimRuleSet): Middleware;
  /** Middleware that requires a recent or strong enough user authentication (RFC 9470; 401 `insufficient_user_authentication`). */
  requireStepUp(requirement: StepUpRequirement): Middleware;
}

/**
 * Builds `configure`, `requireAuth`, `requireScope`, `requireAnyScope` and `requireClaims` for one framework from the
 * function that turns a guard into that framework's middleware.
 */
export function defineMiddleware<Middleware>(
  defaults: DefaultConfiguration,
  toMiddleware: (guard: Guard) => Middleware,
): MiddlewareFactories<Middleware> {
  return {
    configure: (options, guardOptions) => configureDefaults(defaults, options, guardOptions).verifier,
    // requireAuth lends its verifier to the scope guards after it through the request's decision,
    // never through module-wide state another app could overwrite.
    requireAuth(options, guardOptions) {
      const resolved = resolveAdapterOptions(options, guardOptions);
      return toMiddleware(createGuard(resolved.verifier, { ...resolved.guardOptions, name: 'requireAuth' }));
    },
    requireScope: (...scopes) => toMiddleware(createGuard(defaults, { scopes, mode: 'all', name: 'requireScope' })),
    requireAnyScope: (...scopes) => toMiddleware(createGuard(defaults, { scopes, mode: 'any', name: 'requireAnyScope' })),
    // `claims` is passed even when the caller gave nothing, so requireClaims() is a startup error, never "no rule".
    requireClaims: (...args: [ClaimRuleSet]) => {
      if (args.length !== 1) throw new TollgateConfigError(`requireClaims: expected one rule set (rules, a validator, or a list of them); got ${args.length} arguments`);
      return toMiddleware(createGuard(defaults, { claims: args[0], name: 'requireClaims' }));
    },
    // `stepUp` is passed even when the caller gave nothing, so requireStepUp() is a startup error, never "no rule".
    requireStepUp: (...args: [StepUpRequirement]) => {
      if (args.length !== 1) throw new TollgateConfigError(`requireStepUp: expected one requirement ({ acrValues?, maxAge? }); got ${args.length} arguments`);
      return toMiddleware(createGuard(defaults, { stepUp: args[0], name: 'requireStepUp' }));
    },
  };
}

/** A verifier with the guard options it was configured with, e.g. one Fastify plugin registration. */
export interface GuardSource {
  /** The verifier of this configuration. */
  readonly verifier: Verifier;
  /** The guard options it was configured with (`optional`, `allowQuery`, `realm`...). */
  readonly guardOptions: GuardOptions;
}

/**
 * Records, where a route is declared, that a guard made on first use (see {@link scopeGuardsBySource}) will
 * require `scopes` of `verifier`: they are listed in its metadata's `scopes_supported` (RFC 9728 section 2).
 * Nothing is recorded once the verifier has served a request (a warning names the scope).
 * @example declareScopes(registration.verifier, ['orders:write'], 'requireScope'); // in Fastify's onRoute
 */
export function declareScopes(verifier: Verifier, scopes: readonly string[], name: string): void {
  recordScopes(verifier, scopes, name);
}

/**
 * One scope requirement's guard for each configuration that may serve a request (e.g. each Fastify
 * plugin registration), made on first use and kept. A scope requirement is never optional, whatever
 * the source's own `optional` says.
 * @example const guardFor = scopeGuardsBySource(['orders:read'], 'all', 'requireScope'); await guardFor(registration)(request, state);
 */
export function scopeGuardsBySource(scopes: readonly string[], mode: ScopeMode, name: string): (source: GuardSource) => Guard {
  const guards = new WeakMap<GuardSource, Guard>();
  return (source) => {
    let guard = guards.get(source);
    if (!guard) {
      // Made on first use: the adapter records its scopes where the route is declared (recordGuardScopes).
      guard = createGuard(source.verifier, { ...source.guardOptions, optional: false, scopes, mode, name }, false);
      guards.set(source, guard);
    }
    return guard;
  };
}

/**
 * Builds `@RequireScope` and `@RequireAnyScope` for one framework. `invoke` runs the guard for one
 * call of the handler, then the handler itself (`call`), in the framework's error idiom. `sourceOf`
 * finds the configuration that serves this call (Fastify: the plugin registration of the request's
 * context); without one, the guard goes by the request's earlier decision or by `configure()`.
 */
export function defineScopeDecorators<Args extends unknown[]>(
  defaults: DefaultConfiguration,
  invoke: (guard: Guard, args: Args, call: () => unknown) => unknown,
  sourceOf?: (args: Args) => GuardSource | undefined,
): { RequireScope(...scopes: string[]): ScopeDecorator<Args>; RequireAnyScope(...scopes: string[]): ScopeDecorator<Args> } {
  const decorator = (scopes: string[], mode: ScopeMode, name: string): ScopeDecorator<Args> => {
    // Created now, so an invalid or empty scope list fails where the class is defined.
    const fallback = createGuard(defaults, { scopes, mode, name });
    const bySource = scopeGuardsBySource(scopes, mode, name);
    const guardFor = (args: Args): Guard => {
      let source: GuardSource | undefined;
      try {
        source = sourceOf?.(args);
      } catch (error) {
        // A configuration that cannot be read (e.g. made by another copy of the adapter) refuses the call.
        return () => Promise.reject(error);
      }
      return source ? bySource(source) : fallback;
    };
    return createMethodDecorator<Args>((method) =>
      function (this: unknown, ...args: Args) {
        return invoke(guardFor(args), args, () => method.apply(this, args));
      },
    );
  };
  return {
    RequireScope: (...scopes) => decorator(scopes, 'all', '@RequireScope'),
    RequireAnyScope: (...scopes) => decorator(scopes, 'any', '@RequireAnyScope'),
  };
}
