// createGuard: the one request check every adapter runs (authenticate if needed, then require scopes).
import type { AccessToken } from './access-token.js';
import { createVerifier, type AuthenticateOptions, type Verifier } from './create-verifier.js';
import { MissingTokenError, TollgateConfigError, TollgateError } from './errors.js';
import type { RequestLike } from './extract-bearer-token.js';
import { assertScopes, validateScopes, type ScopeMode } from './has-scopes.js';
import { publishAuthentication, publishAuthorization } from './lib/publish-audit-events.js';
import { verifiedWith } from './lib/token-provenance.js';
import type { VerifierOptions } from './options.js';

/** Options shared by every adapter's middleware: the verifier's, plus how the request is read. */
export interface GuardOptions extends AuthenticateOptions {
  /** Realm of the challenge; overrides the verifier's. */
  realm?: string;
}

/** What an adapter knows about the request before the guard runs. */
export interface GuardState {
  /** The token an earlier middleware attached, if any. */
  auth?: AccessToken | null | undefined;
  /** Whether an earlier middleware already tried (optional auth that found no token). */
  attempted?: boolean | undefined;
}

/** Checks one request; resolves the token (or `undefined` when optional and absent), throws a TollgateError otherwise. */
export type Guard = (request: RequestLike, state: GuardState) => Promise<AccessToken | undefined>;

/** Whether `value` is a verifier made by {@link createVerifier} rather than options for one. */
export function isVerifier(value: unknown): value is Verifier {
  return typeof value === 'object' && value !== null && typeof (value as Verifier).verify === 'function' && typeof (value as Verifier).authenticate === 'function';
}

/** Returns the verifier itself, or creates one from options (validating them now). */
export function toVerifier(input: VerifierOptions | Verifier): Verifier {
  return isVerifier(input) ? input : createVerifier(input);
}

/** What a guard checks, besides the transport options. */
export interface GuardRules extends GuardOptions {
  /** Scopes the token must grant; none means authentication only. */
  scopes?: readonly string[];
  mode?: ScopeMode;
  /** Name used in configuration errors, e.g. `requireScope`. */
  name?: string;
}

/**
 * Builds the guard behind `requireAuth`, `requireScope` and the scope decorators.
 * With a {@link DefaultConfiguration} as source, the verifier and transport options are read when a
 * request arrives, so `configure()` may come later; with none set, the guard fails closed.
 * @example
 * const guard = createGuard(verifier, { scopes: ['orders:read'] });
 * req.auth = await guard(toRequestLike(req), { auth: req.auth });
 */
export function createGuard(source: Verifier | DefaultConfiguration, rules: GuardRules = {}): Guard {
  const scopes = validateScopes(rules.scopes ?? [], rules.name ?? 'requireScope');
  const { realm, mode = 'all' } = rules;
  const verifier = (): Verifier => (source instanceof DefaultConfiguration ? source.verifier() : source);
  // Transport options fall back to the configured defaults; `optional` never does: it belongs to the
  // middleware it was given to, so `configure({ optional: true })` cannot open a standalone requireScope.
  const transport = (): AuthenticateOptions => {
    const base = source instanceof DefaultConfiguration ? source.guardOptions : {};
    return { optional: rules.optional, allowQuery: rules.allowQuery ?? base.allowQuery, allowBody: rules.allowBody ?? base.allowBody };
  };
  // The realm for errors raised here; a missing default configuration must not mask the real error.
  const realmOf = (): string | undefined => {
    if (realm !== undefined) return realm;
    try {
      return (source instanceof DefaultConfiguration ? source.guardOptions.realm : undefined) ?? verifier().options.realm;
    } catch {
      return undefined;
    }
  };
  // Scopes need a token, even behind an optional requireAuth upstream; only a guard that is itself
  // optional lets a request without any token through.
  const authorize = (token: AccessToken | undefined): AccessToken | undefined => {
    if (!token && rules.optional) return undefined;
    try {
      if (!token) throw new MissingTokenError();
      assertScopes(token, scopes, { mode });
    } catch (error) {
      publishAuthorization(token, scopes, mode, error);
      throw error;
    }
    publishAuthorization(token, scopes, mode);
    return token;
  };
  // A guard given its own verifier (requireAuth, the Fastify plugin) trusts an upstream token only if
  // a verifier with the same settings checked it: one verified for another audience or issuer, or set
  // by other code, is checked again. A guard on the default configuration (standalone requireScope,
  // @RequireScope) works with whatever authentication ran before it.
  const ownVerifier = !(source instanceof DefaultConfiguration);
  return async (request, state) => {
    try {
      let token: AccessToken | undefined = state.auth ?? undefined;
      let attempted = state.attempted === true;
      if (token && ownVerifier && !verifiedWith(token, verifier().options)) {
        token = undefined;
        attempted = false;
      }
      if (!token && !attempted) token = await verifier().authenticate(request, transport());
      if (scopes.length > 0) return authorize(token);
      // An optional guard upstream found no token: that is no authentication for a guard that requires one.
      if (!token && !rules.optional) {
        const missing = new MissingTokenError();
        publishAuthentication(undefined, missing);
        throw missing;
      }
      return token;
    } catch (error) {
      // Every refusal leaves through here and gets its realm here, so none is worked out on success.
      const override = realmOf();
      if (override !== undefined && error instanceof TollgateError) error.realm = override;
      throw error;
    }
  };
}

/**
 * Holds an adapter's default configuration, set by `configure()` or `requireAuth(options)`, so that
 * `requireScope()` can stand alone. Reading it before it is set throws a configuration error.
 */
export class DefaultConfiguration {
  #verifier: Verifier | undefined;
  #guardOptions: GuardOptions = {};
  #explicit = false;
  /**
   * @param packageName prefixes the configuration error
   * @param hint what the error names and how it says to configure the adapter (Fastify has no `requireAuth`)
   */
  constructor(
    readonly packageName: string,
    readonly hint: { subject?: string; setup?: string } = {},
  ) {}

  /** `configure()`: the explicit defaults, verifier and transport options; the last call wins. */
  set(verifier: Verifier, guardOptions: GuardOptions): void {
    this.#verifier = verifier;
    this.#guardOptions = guardOptions;
    this.#explicit = true;
  }

  /**
   * `requireAuth(options)`: lends its verifier (and realm) to standalone `requireScope` unless
   * `configure()` was called. Its transport options (`allowQuery`...) stay with that middleware.
   */
  adopt(verifier: Verifier, guardOptions: GuardOptions): void {
    if (this.#explicit) return;
    this.#verifier = verifier;
    this.#guardOptions = guardOptions.realm === undefined ? {} : { realm: guardOptions.realm };
  }

  get guardOptions(): GuardOptions {
    return this.#guardOptions;
  }

  verifier(): Verifier {
    if (!this.#verifier) {
      const { subject = 'requireScope()', setup = 'call configure({ issuer, audience }) or use requireAuth({ issuer, audience }) before it' } = this.hint;
      throw new TollgateConfigError(`${this.packageName}: ${subject} has no verifier: ${setup}`);
    }
    return this.#verifier;
  }
}
