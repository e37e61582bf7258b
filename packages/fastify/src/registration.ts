// One plugin registration: its verifier and options, kept on the Fastify instance (context) it was registered in.
import {
  isGuardOptionKey,
  resolveAdapterOptions,
  TollgateConfigError,
  validateScopes,
  type AdapterOptions,
  type Guard,
  type GuardOptions,
  type GuardSource,
  type Verifier,
} from '@tollgate/core';

/** Options of the {@link tollgate} plugin. */
export type TollgateFastifyOptions = (AdapterOptions | { verifier: Verifier }) &
  GuardOptions & {
    /**
     * Authenticate every route of this context (routes opt out with `config: { auth: false }`).
     * When `false`, only routes with tollgate `config` or a `requireScope` hook are checked. Default `true`.
     */
    global?: boolean;
    /** Scopes every authenticated route of this context requires. At least one when given. */
    scopes?: readonly string[];
    /**
     * With `optional: true` and `scopes`: check the scopes only when a token is sent, and let requests
     * without any token through. Without it, that combination is refused at registration, because it
     * would admit anonymous requests to routes that name scopes.
     */
    scopesIfPresent?: boolean;
  };

/** What one registration decided, read by every hook and decorator that serves a route of its context. */
export interface Registration extends GuardSource {
  readonly global: boolean;
  /** Plugin-wide scopes (`scopes`), empty when none. */
  readonly scopes: readonly string[];
  readonly scopesIfPresent: boolean;
  /** Each route's guards, by the route's config object (one per route). */
  readonly plans: WeakMap<object, readonly Guard[]>;
  /** The mark this registration left on its instance, which every copy of the module can read. */
  readonly brand: object;
}

// Kept on the instance: Fastify's child contexts are created with Object.create(parent), so a route's
// context (request.server) finds the innermost registration of its own context or of an ancestor,
// and never one of a sibling context or of another Fastify instance.
const REGISTRATION = Symbol('tollgate.registration');
// Shared by every copy of this module (the ESM and CommonJS builds, two installed versions): a route whose
// nearest registration was made by another copy must not fall back to this copy's configure().
const REGISTERED = Symbol.for('tollgate.fastify.registered');
type Holder = { [REGISTRATION]?: Registration; [REGISTERED]?: object };

/**
 * The registration that serves routes of `instance` (its own or an ancestor's), if any. Throws a
 * TollgateConfigError when the nearest registration belongs to another copy of @tollgate/fastify.
 */
export function registrationOf(instance: object | undefined): Registration | undefined {
  if (instance === undefined) return undefined;
  const holder = instance as Holder;
  const registration = holder[REGISTRATION];
  const brand = holder[REGISTERED];
  if (brand !== undefined && registration?.brand !== brand) {
    throw new TollgateConfigError(
      '@tollgate/fastify: this route is served by a plugin registration from another copy of @tollgate/fastify (its ESM and CommonJS builds both loaded, or two versions installed); import the plugin and the decorators from the same place',
    );
  }
  return registration;
}

/** Validates the plugin options (throws TollgateConfigError) and attaches the registration to `instance`. */
export function register(instance: object, options: TollgateFastifyOptions): Registration {
  if (Object.hasOwn(instance, REGISTRATION) || Object.hasOwn(instance, REGISTERED)) {
    throw new TollgateConfigError(
      '@tollgate/fastify: registered twice in the same context; register it once, or once per encapsulated context (app.register(async (child) => ...)) for APIs with other options',
    );
  }
  const { global = true, scopes, scopesIfPresent = false, ...rest } = options;
  if (typeof global !== 'boolean') throw new TollgateConfigError('@tollgate/fastify: global must be true or false');
  if (typeof scopesIfPresent !== 'boolean') throw new TollgateConfigError('@tollgate/fastify: scopesIfPresent must be true or false');
  let resolved: ReturnType<typeof resolveAdapterOptions>;
  if ('verifier' in rest) {
    const { verifier, ...beside } = rest;
    // Verifier options next to a ready verifier would be dropped silently: refuse them.
    const stray = Object.keys(beside).filter((key) => !isGuardOptionKey(key));
    if (stray.length > 0) {
      throw new TollgateConfigError(`@tollgate/fastify: ${stray.join(', ')} given beside verifier; set them in createVerifier(...) instead, or pass the options without verifier`);
    }
    resolved = resolveAdapterOptions(verifier, beside as GuardOptions);
  } else {
    resolved = resolveAdapterOptions(rest as AdapterOptions);
  }
  const pluginScopes = checkScopeList(scopes, '@tollgate/fastify scopes') ?? [];
  if (scopesIfPresent && resolved.guardOptions.optional !== true) {
    throw new TollgateConfigError('@tollgate/fastify: scopesIfPresent only applies with optional: true; remove it, or make authentication optional');
  }
  if (resolved.guardOptions.optional === true && pluginScopes.length > 0 && !scopesIfPresent) {
    throw new TollgateConfigError(
      "@tollgate/fastify: optional: true with scopes would let requests without a token reach routes that require scopes; drop optional to require a token, or add scopesIfPresent: true to check the scopes only when a token is sent",
    );
  }
  const registration: Registration = Object.freeze({
    verifier: resolved.verifier,
    guardOptions: resolved.guardOptions,
    global,
    scopes: pluginScopes,
    scopesIfPresent,
    plans: new WeakMap<object, readonly Guard[]>(),
    brand: Object.freeze({}),
  });
  Object.defineProperty(instance, REGISTRATION, { value: registration, enumerable: false });
  Object.defineProperty(instance, REGISTERED, { value: registration.brand, enumerable: false });
  return registration;
}

/** `undefined` when not given; otherwise a valid, non-empty scope list (an empty one admits any token). */
export function checkScopeList(scopes: unknown, where: string): readonly string[] | undefined {
  if (scopes === undefined) return undefined;
  if (!Array.isArray(scopes)) throw new TollgateConfigError(`${where}: expected an array of scope names`);
  if (scopes.length === 0) {
    throw new TollgateConfigError(`${where}: names no scope; an empty list would admit any token. Name at least one scope, or remove it`);
  }
  return validateScopes(scopes as string[], where);
}
