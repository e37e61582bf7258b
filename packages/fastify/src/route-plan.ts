// What a route's tollgate config asks for, checked for contradictions, as the guards that enforce it.
import { createGuard, TollgateConfigError, type ClaimRuleSet, type Guard, type StepUpRequirement } from '@tollgate/core';
import { checkScopeList, type Registration } from './registration.js';

/** Route `config` that tollgate reads. */
export interface TollgateRouteConfig {
  /** Scopes this route requires, all of them. At least one when given. */
  scopes?: readonly string[];
  /** Scopes of which this route requires at least one. At least one when given. */
  anyScopes?: readonly string[];
  /**
   * Claim rules this route requires, checked after the scopes: rules by claim name, a validator, or a list
   * of both. A failed rule is a 403 `insufficient_scope` (no `scope` attribute); a validator that cannot
   * decide, a 503. At least one rule when given. Like scopes, it makes the route require a token.
   * @example config: { claims: { groups: { includes: 'admin' } } }
   */
  claims?: ClaimRuleSet;
  /**
   * Step-up authentication (RFC 9470), checked after the scopes: the token's `acr` among `acrValues`
   * and/or its `auth_time` within `maxAge`, else 401 `insufficient_user_authentication`. Like scopes, it
   * makes the route require a token.
   * @example config: { stepUp: { acrValues: ['urn:example:mfa'], maxAge: '5m' } }
   */
  stepUp?: StepUpRequirement;
  /**
   * `false`: a public route (no scopes allowed beside it); `'optional'`: a token is checked when
   * present; `true`: a token is required, whatever the plugin's `optional`. Default: required when
   * the route names scopes, else the plugin's `global` and `optional` decide.
   */
  auth?: boolean | 'optional';
  /**
   * With `auth: 'optional'` and scopes: check the scopes only when a token is sent. Without it, that
   * combination is refused, because it would admit anonymous requests to a route that names scopes.
   */
  scopesIfPresent?: boolean;
}

const KEYS = ['scopes', 'anyScopes', 'claims', 'stepUp', 'auth', 'scopesIfPresent'] as const;
// Near misses of tollgate's keys: ignored, they would leave a route public under `global: false`.
const MISSPELT: Readonly<Record<string, string>> = {
  scope: 'scopes',
  anyScope: 'anyScopes',
  scopesAny: 'anyScopes',
  authenticate: 'auth',
  claim: 'claims',
  claimRules: 'claims',
  claimsRules: 'claims',
  // The names claim rules have elsewhere: the verifier option, the middleware, the Nest decorator.
  requiredClaims: 'claims',
  requireClaims: 'claims',
  Claims: 'claims',
};
// Read on every request by the hook that catches stray config: computed once.
const WATCHED_KEYS: readonly string[] = [...KEYS, ...Object.keys(MISSPELT)];

/** Whether a route's config carries any tollgate key. */
export function hasTollgateConfig(config: unknown): boolean {
  if (typeof config !== 'object' || config === null) return false;
  const record = config as Record<string, unknown>;
  return WATCHED_KEYS.some((key) => record[key] !== undefined);
}

/** `GET /orders`, for configuration errors. */
export function routeName(config: { method?: unknown; url?: unknown } | undefined, fallback = 'a route'): string {
  if (!config || config.url === undefined) return fallback;
  const method = Array.isArray(config.method) ? config.method.join(',') : String(config.method ?? '');
  return `${method} ${String(config.url)}`.trim();
}

/**
 * The guards of one route under `registration`, in order; none for a public route. Throws
 * TollgateConfigError for an empty scope list or a contradiction, naming the route and the fix.
 */
export function planRoute(registration: Registration, config: TollgateRouteConfig | undefined, route: string, declared = true): readonly Guard[] {
  const { auth, scopesIfPresent } = config ?? {};
  const where = (key: string) => `@tollgate/fastify: ${route} config.${key}`;
  for (const [wrong, right] of Object.entries(MISSPELT)) {
    if ((config as Record<string, unknown> | undefined)?.[wrong] !== undefined) throw new TollgateConfigError(`${where(wrong)}: not a tollgate option; did you mean ${right}?`);
  }
  const scopes = checkScopeList(config?.scopes, where('scopes'));
  const anyScopes = checkScopeList(config?.anyScopes, where('anyScopes'));
  if (auth !== undefined && auth !== true && auth !== false && auth !== 'optional') {
    throw new TollgateConfigError(`${where('auth')}: expected true, false or 'optional'`);
  }
  if (scopesIfPresent !== undefined && typeof scopesIfPresent !== 'boolean') throw new TollgateConfigError(`${where('scopesIfPresent')}: expected true or false`);
  // Claim rules count as scopes do: a requirement that needs a token.
  const namesClaims = config !== undefined && Object.hasOwn(config, 'claims');
  // So does a step-up requirement (RFC 9470).
  const namesStepUp = config !== undefined && Object.hasOwn(config, 'stepUp');
  const namesScopes = scopes !== undefined || anyScopes !== undefined || namesClaims || namesStepUp;
  if (auth === false) {
    if (namesScopes || scopesIfPresent) {
      throw new TollgateConfigError(`${where('auth')}: false makes the route public, yet it names scopes or claims; remove auth: false to require them, or remove the scopes and claims`);
    }
    return [];
  }
  // A route that names scopes requires a token unless it says otherwise; the plugin's `optional`
  // only relaxes routes that name none.
  const optional = auth === 'optional' || (auth === undefined && !namesScopes && registration.guardOptions.optional === true);
  if (auth === undefined && !namesScopes && !registration.global) return [];
  const pluginScopes = registration.scopes.length > 0 ? registration.scopes : undefined;
  if (scopesIfPresent && !optional) {
    throw new TollgateConfigError(`${where('scopesIfPresent')}: only applies with auth: 'optional'; remove it`);
  }
  // The route's own scopes on an optional route: the reader would take them as required, so the
  // anonymous pass must be asked for. (Plugin-wide scopes on a route marked optional: the route's
  // own `auth: 'optional'` is that request; with the plugin's `optional`, registration checked it.)
  if (optional && namesScopes && scopesIfPresent !== true) {
    throw new TollgateConfigError(
      namesClaims && scopes === undefined && anyScopes === undefined
        ? `${where('auth')}: 'optional' with claims would let requests without a token through; remove auth: 'optional' to require a token with these claims, or add scopesIfPresent: true to check them only when a token is sent`
        : `${where('auth')}: 'optional' with scopes would let requests without a token through; remove auth: 'optional' to require a token with these scopes, or add scopesIfPresent: true to check them only when a token is sent`,
    );
  }
  const guard = (scopeList: readonly string[] | undefined, mode: 'all' | 'any', name: string): Guard =>
    createGuard(registration.verifier, { ...registration.guardOptions, optional, scopes: scopeList, mode, name }, declared);
  const guards = [guard(pluginScopes, 'all', '@tollgate/fastify scopes')];
  if (scopes) guards.push(guard(scopes, 'all', where('scopes')));
  if (anyScopes) guards.push(guard(anyScopes, 'any', where('anyScopes')));
  // Validated now (createGuard resolves the rules): an empty or invalid rule set fails where the route is declared.
  if (namesClaims) guards.push(createGuard(registration.verifier, { ...registration.guardOptions, optional, claims: config.claims, name: where('claims') }));
  if (namesStepUp) guards.push(createGuard(registration.verifier, { ...registration.guardOptions, optional, stepUp: config.stepUp as StepUpRequirement, name: where('stepUp') }));
  return guards;
}
