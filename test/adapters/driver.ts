// What the cross-adapter suites ask of an adapter, in words that fit every framework. Each driver
// (drivers/express.ts, koa.ts, fastify.ts) maps these words to its framework's own idiom.
import type * as core from '@tollgate/core';
import type { AccessToken, AdapterOptions, GuardOptions, ScopeMode, Verifier } from '@tollgate/core';
import { vi } from 'vitest';

/** What the suites use of one loaded copy of an adapter module; every adapter exports at least this. */
export type AdapterModule = Pick<
  typeof core,
  'createVerifier' | 'TollgateError' | 'TollgateConfigError' | 'InvalidTokenError' | 'InsufficientScopeError'
> & {
  configure(options: AdapterOptions | Verifier, guardOptions?: GuardOptions): Verifier;
  RequireScope(...scopes: string[]): unknown;
  RequireAnyScope(...scopes: string[]): unknown;
};

/**
 * One GET route. Every handler that lets a request through answers {@link echoBody} unless said otherwise.
 * - `echo`: no guard of its own (only the app-wide `auth`, when the app has one).
 * - `scopes`: a scope check mounted on the route, in one of the driver's `scopeIdioms` (default: the first).
 *   Express/Koa: `requireScope`/`requireAnyScope` (standalone unless an app-wide requireAuth ran);
 *   Fastify: route `config: { scopes }`/`{ anyScopes }` or `preHandler: app.requireScope(...)` (needs `auth`).
 * - `standalone`: the guard that needs nothing but the adapter's default configuration.
 *   Express/Koa: `requireScope`/`requireAnyScope`; Fastify: a handler decorated with `@RequireScope`/`@RequireAnyScope`.
 * - `requireAuth`: `requireAuth(options, guard)` on this route (Express and Koa only).
 * - `decorated`: a method of the driver's orders controller, mounted unbound (see {@link ControllerMethod}).
 * - `greeter`: the `greet` method of a new controller instance holding `greeting`, decorated with
 *   `@RequireScope('orders:read')`, answering `{ greeting: this.greeting }`.
 * - `wrapped`: the user's own handler calling a method of the orders controller without `next`:
 *   Express `(req, res) => { orders.list(req, res) }`, Fastify `(request, reply) => { orders.list(request, reply) }`
 *   (neither returns the method's promise), Koa `(ctx) => orders.list(ctx)` (Koa answers from the promise only).
 */
export type RouteSpec = { readonly path: string } & (
  | { readonly kind: 'echo' }
  | { readonly kind: 'scopes'; readonly scopes: readonly string[]; readonly mode?: ScopeMode; readonly idiom?: string }
  | { readonly kind: 'standalone'; readonly scopes: readonly string[]; readonly mode?: ScopeMode }
  | { readonly kind: 'requireAuth'; readonly options: AdapterOptions | Verifier; readonly guard?: GuardOptions }
  | { readonly kind: 'decorated'; readonly method: ControllerMethod }
  | { readonly kind: 'greeter'; readonly greeting: string }
  | { readonly kind: 'wrapped'; readonly method: ControllerMethod }
);

/**
 * A method of the orders controller every driver defines, with the same decorators and answers:
 * `list`: `@RequireScope('orders:read')`, counts its calls, answers `{ source, scopes }`;
 * `either`: `@RequireAnyScope('a', 'b')`, answers `{ source, subject }`;
 * `failsLater`/`failsNow`: `@RequireScope('orders:read')`, throw `async`/`sync failure in <source>` (after a tick / at once).
 */
export type ControllerMethod = 'list' | 'either' | 'failsLater' | 'failsNow';
/** The `source` field of the orders controller: reading it proves `this` is the controller. */
export const CONTROLLER_SOURCE = 'orders-db';

/** The body of `failsLater`: fails after a tick, so only the rejected promise carries the error (Express 4 ignores those). */
export async function failLater(source: string): Promise<never> {
  await new Promise((resolve) => setImmediate(resolve));
  throw new Error(`async failure in ${source}`);
}

/** The body of `failsNow`: fails at once, synchronously. */
export function failNow(source: string): never {
  throw new Error(`sync failure in ${source}`);
}

/** How the user's own error handler answers an error; `undefined` passes the error on to the framework. */
export type UserErrorHandler = (error: unknown) => { status: number; headers?: Record<string, string>; body?: unknown } | undefined;

export interface AppSpec {
  /**
   * The adapter's own setup. `global` (the default): every route is authenticated, Express/Koa
   * `app.use(requireAuth(options, guard))`, Fastify the plugin with these options. `global: false`: no route
   * is authenticated unless it asks, Express/Koa `configure(options, guard)`, Fastify the plugin with `global: false`.
   */
  auth?: { options: AdapterOptions | Verifier; guard?: GuardOptions; global?: boolean };
  routes: readonly RouteSpec[];
  /**
   * `tollgate` (the default): `tollgateErrorHandler()`, and every other error answered 500 `{ caught: message }`.
   * `default`: the framework's own error handling. A function: the user's own error handler, in the
   * framework's idiom (Express error middleware, Koa try/catch, Fastify setErrorHandler).
   */
  errors?: 'tollgate' | 'default' | UserErrorHandler;
}

/** A started app. */
export interface RunningApp {
  url: string;
  /** The subject (or `(none)`) of every request an `echo`, `scopes`, `standalone` or `requireAuth` route let through. */
  reached: string[];
  /** What the user's error handler was given; with `default` error handling, what Koa reported (`error` event). */
  errors: unknown[];
  /** The orders controller of the `decorated` routes. */
  controller: { readonly calls: number };
  close(): Promise<void>;
}

/** Another way than the decorators to create a scope guard; it must refuse an invalid scope name. */
export interface ScopeGuardFactory {
  name: string;
  /** Creates a guard requiring `scope` (with `options` where the framework needs a configured app). */
  create(scope: string, options: AdapterOptions): unknown;
  /** Creates the same kind of guard with an empty scope list, which must be refused. */
  createEmpty(options: AdapterOptions): unknown;
}

/** One loaded copy of an adapter (fresh: its default configuration is empty), bound to one framework version. */
export interface AdapterHandle {
  readonly module: AdapterModule;
  app(spec: AppSpec): Promise<RunningApp>;
  /**
   * Gives `options` to the adapter's authentication entry point without guarding any route with it:
   * Express/Koa `requireAuth(options)`, left unmounted; Fastify the plugin, registered on an instance of its own.
   */
  startup(options: AdapterOptions): Promise<void>;
  readonly scopeGuardFactories: readonly ScopeGuardFactory[];
}

/** One framework at one major version. */
export interface Target {
  /** `express4`, `koa3`, ... */
  readonly name: string;
  /** A fresh copy of the adapter module (after `vi.resetModules()`), bound to this framework version. */
  load(): Promise<AdapterHandle>;
}

/** Everything the suites need to know of one adapter package. */
export interface AdapterDriver {
  readonly name: 'express' | 'koa' | 'fastify';
  readonly targets: readonly Target[];
  /** How the suites name the authentication entry point: `requireAuth()` or `plugin registration`. */
  readonly entryPoint: string;
  /** The message of the TollgateConfigError a `standalone` guard throws while nothing is configured. */
  readonly unconfiguredMessage: string;
  /** The ways a `scopes` route can be mounted (`requireScope`; Fastify `config`, `preHandler`). */
  readonly scopeIdioms: readonly string[];
  /** Whether the adapter has a `requireAuth` middleware (and so `requireAuth` routes). */
  readonly hasRequireAuth: boolean;
}

/** The body of an `echo` route: the token's subject, audience and scopes, or `null` without a token. */
export function echoBody(auth: AccessToken | null | undefined) {
  return { auth: auth ? { subject: auth.subject ?? null, audience: [...auth.audience], scopes: [...auth.scopes] } : null };
}

/**
 * The targets of one adapter, one per framework version. Each `load()` imports the adapter's source again
 * after `vi.resetModules()`, so no other test's configure(), requireAuth() or plugin registration is its default.
 */
export function freshTargets<Version extends { readonly name: string }, Module>(
  versions: readonly Version[],
  importAdapter: () => Promise<Module>,
  handleOf: (version: Version, adapter: Module) => AdapterHandle,
): Target[] {
  return versions.map((version) => ({
    name: version.name,
    async load() {
      vi.resetModules();
      return handleOf(version, await importAdapter());
    },
  }));
}
