// createGuard: the one request check every adapter runs (authenticate if needed, then require scopes).
import type { AccessToken } from './access-token.js';
import type { ClaimRuleRef, ClaimRuleSet } from './claim-rules.js';
import { challengerOf, createVerifier, synchronousEntryOf, type AuthenticateOptions, type Verifier } from './create-verifier.js';
import { InsufficientClaimsError, MissingTokenError, TollgateConfigError, TollgateError } from './errors.js';
import type { RequestLike } from './extract-bearer-token.js';
import { assertScopes, validateScopes, type ScopeMode } from './has-scopes.js';
import { enforceClaimRules, type RefuseClaims } from './lib/enforce-claim-rules.js';
import { publishAuthentication, publishAuthorization, publishClaimAuthorization, publishStepUp } from './lib/publish-audit-events.js';
import { resolveClaimRules } from './lib/resolve-claim-rules.js';
import { isThenable } from './lib/thenable.js';
import { recordScopes, sealScopes } from './lib/scope-registry.js';
import { checkStepUp, resolveStepUp } from './lib/step-up.js';
import type { Duration, VerifierOptions } from './options.js';

/** Options shared by every adapter's middleware: the verifier's, plus how the request is read. */
export interface GuardOptions extends AuthenticateOptions {
  /** Realm of the challenge; overrides the verifier's. */
  realm?: string;
  /**
   * Lets CORS preflights through unauthenticated: `OPTIONS` requests carrying `Origin` and
   * `Access-Control-Request-Method` (a browser sends no credentials with them). Default `false`:
   * mount your CORS handler before tollgate instead, so an `app.all` handler is never reached by an
   * unauthenticated `OPTIONS`.
   */
  allowPreflight?: boolean;
}

/**
 * What a tollgate guard decided for one request. Adapters keep it on the request so a later guard
 * knows exactly who checked the token it finds there, and where that holds.
 */
export interface Decision {
  /**
   * The verifier instance that decided. For a CORS preflight let through unauthenticated: the verifier of
   * the guard that let it through (`undefined` for a guard on an unconfigured default).
   */
  readonly verifier: Verifier | undefined;
  /** The token it attached; `undefined` when an optional guard found none (or for a preflight). */
  readonly token: AccessToken | undefined;
  /** The realm override of the guard that decided. */
  readonly realm: string | undefined;
  /**
   * Where the decision holds: the adapter's scope of the request when it was made (Express: the
   * router's `req.baseUrl`), so a router's decision does not follow a request that falls through to
   * routes outside it. `''`: the whole app.
   */
  readonly scope: string;
  /** The transports the deciding guard accepted the token by: a stricter guard checks again. */
  readonly allowQuery: boolean;
  /** Whether the deciding guard allowed a token in a form body (`allowBody`). */
  readonly allowBody: boolean;
  /** A CORS preflight let through by `allowPreflight`: the guards after it let it through too. */
  readonly preflight: boolean;
}

/** What an adapter knows about the request before the guard runs. */
export interface GuardState {
  /** The token attached to the request, by tollgate or by other code. */
  auth?: AccessToken | null | undefined;
  /** What an earlier tollgate guard decided for this request, if one ran. */
  decision?: Decision | undefined;
  /** The adapter's scope of the request now (see {@link Decision.scope}); default `''`. */
  scope?: string | undefined;
}

/** Whether a decision made in `decided` holds in `current`: the same place or one inside it. */
export function holdsIn(decided: string, current: string): boolean {
  return decided === '' || current === decided || (current.startsWith(decided) && current.charCodeAt(decided.length) === 0x2f);
}

/**
 * Checks one request; resolves the token (or `undefined` when optional and absent), throws a
 * TollgateError otherwise. When it authenticated, it leaves its {@link Decision} in `state.decision`.
 */
export type Guard = (request: RequestLike, state: GuardState) => Promise<AccessToken | undefined>;

/**
 * A guard's synchronous form, for adapters whose frameworks take callbacks: the outcome itself when no
 * signature had to be checked, a promise otherwise; a refusal is thrown (or rejects).
 */
export type GuardNow = (request: RequestLike, state: GuardState) => AccessToken | undefined | Promise<AccessToken | undefined>;

// Keyed by the very guard createGuard returned, as the verifiers' synchronous entries are.
const synchronousGuards = new WeakMap<Guard, GuardNow>();

/** The synchronous form of a guard made by {@link createGuard} in this copy of core; `undefined` for any other function. */
export function synchronousGuardOf(guard: Guard): GuardNow | undefined {
  return synchronousGuards.get(guard);
}

/** Whether `value` is a verifier made by {@link createVerifier} rather than options for one. */
export function isVerifier(value: unknown): value is Verifier {
  return typeof value === 'object' && value !== null && typeof (value as Verifier).verify === 'function' && typeof (value as Verifier).authenticate === 'function';
}

/** Returns the verifier itself, or creates one from options (validating them now). */
export function toVerifier(input: VerifierOptions | Verifier): Verifier {
  return isVerifier(input) ? input : createVerifier(input);
}

/**
 * What a route asks of the user's authentication behind a token (RFC 9470): an `acr` among `acrValues`
 * and/or an `auth_time` at most `maxAge` ago. A token without `acr` or `auth_time` never satisfies it.
 * @example requireStepUp({ acrValues: ['urn:example:mfa'], maxAge: '5m' })
 * @see RFC 9470 section 3
 */
export interface StepUpRequirement {
  /** Acceptable `acr` values, in order of preference; sent as `acr_values` when refused. */
  acrValues?: readonly string[];
  /** Most time since the user authenticated (`auth_time`), in seconds or as text (`'5m'`); sent as `max_age`. */
  maxAge?: Duration;
}

/**
 * Checks a step-up requirement where it is declared (a decorator), as a guard would: throws
 * TollgateConfigError naming `where` for an empty requirement, an unknown key, a bad `acrValues` or `maxAge`.
 * @example validateStepUp({ acrValues: ['urn:example:mfa'] }, '@StepUp on Payments.create')
 * @see RFC 9470 section 3
 */
export function validateStepUp(requirement: StepUpRequirement, where: string): void {
  resolveStepUp(requirement, where);
}

/** What a guard checks, besides the transport options. */
export interface GuardRules extends GuardOptions {
  /**
   * Scopes the token must grant. Omitted: authentication only. Given, it must name at least one
   * scope: an empty requirement is a configuration error, never "no requirement".
   */
  scopes?: readonly string[];
  /** `all` (default): every scope in `scopes` is required; `any`: one is enough. */
  mode?: ScopeMode;
  /**
   * Claim rules the token must satisfy on this route, checked after `scopes`: 403 `insufficient_scope`
   * (no `scope` attribute) when one fails, 503 when a validator cannot decide. Given (even as
   * `undefined`), it must hold at least one rule: anything else is a configuration error.
   */
  claims?: ClaimRuleSet;
  /**
   * Step-up authentication (RFC 9470), checked after `scopes`: 401 `insufficient_user_authentication`
   * with `acr_values` / `max_age` unless the token's `acr` is one of `acrValues` and its `auth_time` is
   * within `maxAge`. Given (even as `undefined`), it must name at least one of them.
   */
  stepUp?: StepUpRequirement;
  /** Name used in configuration errors, e.g. `requireScope`. */
  name?: string;
}

/** A CORS preflight: what a browser sends, without credentials, before a cross-origin request. */
function isPreflight(request: RequestLike): boolean {
  return request.method === 'OPTIONS' && request.headers.origin !== undefined && request.headers['access-control-request-method'] !== undefined;
}

/**
 * Builds the guard behind `requireAuth`, `requireScope`, the Fastify plugin and the scope decorators.
 *
 * A guard given its own verifier (requireAuth, the Fastify plugin) trusts a token found on the request
 * only if that very verifier instance attached it in this request; anything else is checked again.
 * A guard on a {@link DefaultConfiguration} (standalone requireScope, the decorators) works with what
 * an earlier tollgate guard decided for this request, else authenticates with the configured default,
 * else fails closed with a configuration error.
 * @example
 * const guard = createGuard(verifier, { scopes: ['orders:read'] });
 * const state = { auth: req.auth, decision: undefined };
 * req.auth = await guard(toRequestLike(req), state);
 * @param declared - `false` for a guard made on first use (at request time): its scopes are not recorded for
 *   the metadata's `scopes_supported` (RFC 9728 section 2), which its adapter records at declaration instead
 */
export function createGuard(source: Verifier | DefaultConfiguration, rules: GuardRules = {}, declared = true): Guard {
  const name = rules.name ?? 'requireScope';
  if (rules.scopes !== undefined && rules.scopes.length === 0) {
    throw new TollgateConfigError(`${name}: names no scope; an empty list would admit any token. Name at least one scope, or use requireAuth for authentication only`);
  }
  const scopes = validateScopes(rules.scopes ?? [], name);
  // `claims` present at all, even undefined (requireClaims(process.env.X)), must be a valid, non-empty rule set.
  const claimRules = Object.hasOwn(rules, 'claims') ? resolveClaimRules(rules.claims, name, 'route') : undefined;
  const claimRefs: readonly ClaimRuleRef[] = claimRules
    ? Object.freeze([
        ...claimRules.rules.map((rule): ClaimRuleRef => Object.freeze({ kind: rule.kind, claim: rule.claim })),
        ...claimRules.validators.map((validator): ClaimRuleRef => Object.freeze({ kind: 'validator', validator: validator.name })),
      ])
    : [];
  const stepUp = Object.hasOwn(rules, 'stepUp') ? resolveStepUp(rules.stepUp, name) : undefined;
  const { realm, mode = 'all' } = rules;
  // A route's claim rule is an authorization rule (RFC 6750 section 3.1): the token is valid, but not for this resource.
  const refuseClaims: RefuseClaims = (rule) => new InsufficientClaimsError({ rule, realm });
  const own = source instanceof DefaultConfiguration ? undefined : source;
  const defaults = source instanceof DefaultConfiguration ? source : undefined;
  // For the metadata's scopes_supported (RFC 9728), recorded where the guard is declared, against the
  // verifier that will decide it: its own, else configure()'s; a standalone guard declared before any
  // configure() goes to the defaults, which no document lists as its own (see serve-resource-metadata.ts).
  // A guard made on first use (a Fastify registration's) is recorded by its adapter at declaration instead.
  if (scopes.length > 0 && declared) recordScopes(own ?? defaults?.configured ?? source, scopes, name);
  // The first request this guard serves ends recording for what it answers to: later guards come from traffic.
  let serving = false;
  // A guard on the defaults reads configure()'s allowPreflight per request, like its transport options.
  const allowsPreflight = (): boolean => rules.allowPreflight ?? defaults?.guardOptions.allowPreflight ?? false;
  // Transport options fall back to the configured defaults; `optional` never does: it belongs to the
  // middleware it was given to, so `configure({ optional: true })` cannot open a standalone requireScope.
  const transportOf = (base: GuardOptions): AuthenticateOptions => ({
    optional: rules.optional,
    allowQuery: rules.allowQuery ?? base.allowQuery,
    allowBody: rules.allowBody ?? base.allowBody,
  });
  // A guard with its own verifier has fixed transport options; one on the defaults reads them per request.
  const fixedTransport = defaults ? undefined : transportOf({});
  // Scopes need a token, even behind an optional requireAuth upstream; only a guard that is itself
  // optional lets a request without any token through.
  const authorize = (token: AccessToken | undefined, verifier: Verifier | undefined): AccessToken | undefined | Promise<AccessToken> => {
    if (!token && rules.optional) return undefined;
    const verifierOptions = verifier?.options as Partial<Verifier['options']> | undefined;
    if (scopes.length > 0) {
      try {
        if (!token) throw new MissingTokenError();
        assertScopes(token, scopes, { mode, matcher: verifierOptions?.scopeMatcher });
      } catch (error) {
        publishAuthorization(token, scopes, mode, error);
        throw error;
      }
      publishAuthorization(token, scopes, mode);
    }
    if (stepUp) {
      try {
        if (!token) throw new MissingTokenError();
        const now = (verifierOptions?.now ?? Date.now)() / 1000;
        checkStepUp(stepUp, token.claims as Readonly<Record<string, unknown>>, now, verifierOptions?.clockTolerance ?? 5, realm);
      } catch (error) {
        publishStepUp(token, stepUp, error);
        throw error;
      }
      publishStepUp(token, stepUp);
    }
    return claimRules ? authorizeClaims(token) : token;
  };
  const authorizeClaims = (token: AccessToken | undefined): AccessToken | Promise<AccessToken> => {
    let outcome: AccessToken | Promise<AccessToken>;
    try {
      if (!token) throw new MissingTokenError();
      outcome = enforceClaimRules(claimRules!, token, refuseClaims, realm);
    } catch (error) {
      publishClaimAuthorization(token, claimRefs, error);
      throw error;
    }
    if (!isThenable<AccessToken>(outcome)) {
      publishClaimAuthorization(token, claimRefs);
      return outcome;
    }
    return Promise.resolve(outcome).then(
      (accepted) => {
        publishClaimAuthorization(accepted, claimRefs);
        return accepted;
      },
      (error: unknown) => {
        publishClaimAuthorization(token, claimRefs, error);
        throw error;
      },
    );
  };

  // Said once per guard: a request that makes it happen is not at fault, so no flood can repeat it.
  let warnedOfOtherVerifier = false;
  // Every refusal leaves through here and gets its realm here, so none is worked out on success.
  const withRealm = (error: unknown, decision: Decision | undefined, upstream: Decision | undefined): unknown => {
    if (error instanceof TollgateError) {
      const override = realm ?? decision?.realm ?? defaults?.guardOptions.realm ?? (decision?.verifier ?? own ?? upstream?.verifier ?? configuredVerifier(defaults))?.options.realm;
      if (override !== undefined) error.realm = override;
      // A guard's own refusal (no token, a missing scope) names DPoP as the verifier's would (RFC 9449 section 7.1).
      // The verifier's challenger adds what it is missing: DPoP, and the metadata's URL (RFC 9728 section 5.1).
      if (error.dpop === undefined || error.resourceMetadata === undefined) {
        const verifier = decision?.verifier ?? own ?? upstream?.verifier ?? configuredVerifier(defaults);
        if (verifier) challengerOf(verifier)?.(error, (decision ?? upstream)?.token);
      }
    }
    return error;
  };
  // What a decision means for this guard: its scopes and claim rules, or at least a token unless it is
  // itself optional. A claim validator may make it a promise.
  const conclude = (decision: Decision): AccessToken | undefined | Promise<AccessToken> => {
    const token = decision.token;
    if (scopes.length > 0 || claimRules || stepUp) return authorize(token, decision.verifier);
    // An optional guard upstream found no token: that is no authentication for a guard that requires one.
    if (!token && !rules.optional) {
      const missing = new MissingTokenError();
      publishAuthentication(undefined, missing);
      throw missing;
    }
    return token;
  };

  // A claim validator's pending answer: its refusal gets the realm like every other.
  const settled = (
    outcome: AccessToken | undefined | Promise<AccessToken>,
    decision: Decision | undefined,
    upstream: Decision | undefined,
  ): AccessToken | undefined | Promise<AccessToken> =>
    isThenable<AccessToken>(outcome)
      ? Promise.resolve(outcome).catch((error: unknown) => {
          throw withRealm(error, decision, upstream);
        })
      : outcome;

  // Synchronous while nothing needs a signature check (a cached token, an upstream decision, a refusal,
  // which it throws); a promise otherwise.
  const decide: GuardNow = (request, state) => {
    if (!serving) {
      serving = true;
      sealScopes(own ?? defaults);
      sealScopes(defaults?.configured);
    }
    const here = state.scope ?? '';
    const upstream = state.decision !== undefined && holdsIn(state.decision.scope, here) ? state.decision : undefined;
    // An upstream decision counts only while the token it attached is still the one on the request:
    // a token that other code set (or replaced) was checked by nobody we know.
    const intact = upstream !== undefined && upstream.token === (state.auth ?? undefined);
    const transport = fixedTransport ?? transportOf(defaults!.guardOptions);
    const { allowQuery = false, allowBody = false } = transport;
    // The verifier this guard answers to: its own, or the one configure() set (none: it goes by upstream).
    const answersTo = own ?? defaults!.configured;
    // Which upstream decisions this guard may go by. A guard with its own verifier trusts only that very
    // instance, having accepted no transport this guard refuses. A guard on the defaults trusts any
    // decision while nothing is configured; once configure() names a verifier, only that verifier's:
    // where a request has been cannot be told reliably from inside the app (an Express router mounted
    // at '/:tenant' has the same baseUrl as one at '/partner'; Koa and Hono sub-apps have none), so a
    // decision another verifier made, in a sub-app the request fell through, is checked again.
    const trusted =
      intact &&
      (answersTo === undefined || upstream.verifier === answersTo) &&
      (!own || ((!upstream.allowQuery || allowQuery) && (!upstream.allowBody || allowBody)));
    let decision: Decision | undefined = trusted && upstream.verifier !== undefined && !upstream.preflight ? upstream : undefined;
    if (!trusted && defaults && intact && upstream.verifier !== undefined && !warnedOfOtherVerifier) {
      warnedOfOtherVerifier = true;
      process.emitWarning(
        `tollgate: ${name} checks tokens with the verifier of configure(), and the guard before it on this request used another one, so the token is checked again. If both guard one API, pass configure()'s verifier to requireAuth (const verifier = configure(options); requireAuth(verifier)); if the app serves several APIs, drop configure() and give each its own requireAuth`,
        'TollgateWarning',
      );
    }
    try {
      if (isPreflight(request) && (allowsPreflight() || (trusted && upstream.preflight))) {
        if (!upstream?.preflight) state.decision = { verifier: answersTo, token: undefined, realm, scope: here, allowQuery, allowBody, preflight: true };
        return undefined;
      }
      if (!decision) {
        const verifier = answersTo ?? upstream?.verifier ?? defaults!.verifier();
        const record = (token: AccessToken | undefined): Decision => {
          decision = { verifier, token, realm, scope: here, allowQuery, allowBody, preflight: false };
          state.decision = decision;
          return decision;
        };
        // A verifier this copy of core made answers a cache hit synchronously; any other object, by promise.
        const authenticateNow = synchronousEntryOf(verifier);
        const outcome = authenticateNow ? authenticateNow(request, transport) : verifier.authenticate(request, transport);
        // Any pending outcome, of whatever realm or library (a custom verifier's), is waited for as await would.
        if (isThenable<AccessToken | undefined>(outcome)) {
          return Promise.resolve(outcome)
            .then((token) => conclude(record(token)))
            .catch((error: unknown) => {
              throw withRealm(error, decision, upstream);
            });
        }
        return settled(conclude(record(outcome as AccessToken | undefined)), decision, upstream);
      }
      return settled(conclude(decision), decision, upstream);
    } catch (error) {
      throw withRealm(error, decision, upstream);
    }
  };
  const guard: Guard = (request, state) => {
    try {
      return Promise.resolve(decide(request, state));
    } catch (error) {
      return Promise.reject(error);
    }
  };
  synchronousGuards.set(guard, decide);
  return guard;
}

/** The configured default verifier, if any: a missing default configuration must not mask the real error. */
function configuredVerifier(defaults: DefaultConfiguration | undefined): Verifier | undefined {
  try {
    return defaults?.verifier();
  } catch {
    return undefined;
  }
}

/**
 * Holds an adapter's explicit default configuration, set by `configure()`, so that a standalone
 * `requireScope()` or a decorator can authenticate a request no `requireAuth` ran on. It is one value
 * for the whole process (per loaded adapter module): an app whose routes must not share it gives each
 * of them its own `requireAuth`. Reading it before it is set throws a configuration error.
 */
export class DefaultConfiguration {
  #verifier: Verifier | undefined;
  #guardOptions: GuardOptions = {};
  /**
   * @param packageName prefixes the configuration error
   * @param hint what the error names and how it says to configure the adapter (Fastify has no `requireAuth`)
   */
  constructor(
    /** The adapter's package name, e.g. `@tollgate/express`; it prefixes the configuration error. */
    readonly packageName: string,
    /** What the configuration error names (`subject`) and how it says to configure the adapter (`setup`). */
    readonly hint: { subject?: string; setup?: string } = {},
  ) {}

  /** `configure()`: the explicit defaults, verifier and transport options; the last call wins. */
  set(verifier: Verifier, guardOptions: GuardOptions): void {
    this.#verifier = verifier;
    this.#guardOptions = guardOptions;
  }

  /** The verifier given to `configure()`, or `undefined` before it is called. */
  get configured(): Verifier | undefined {
    return this.#verifier;
  }

  /** The transport options given to `configure()`; `{}` until it is called. */
  get guardOptions(): GuardOptions {
    return this.#guardOptions;
  }

  /** The verifier given to `configure()`. Throws {@link TollgateConfigError}, saying how to configure the adapter, when there is none. */
  verifier(): Verifier {
    if (!this.#verifier) {
      const { subject = 'requireScope()', setup = 'call configure({ issuer, audience }) or use requireAuth({ issuer, audience }) before it' } = this.hint;
      throw new TollgateConfigError(`${this.packageName}: ${subject} has no verifier: ${setup}`);
    }
    return this.#verifier;
  }
}
