// Enforces a resolved claim rule set on a verified token: the refusal the caller chooses, or a 503 when a validator could not decide.
import type { AccessToken } from '../access-token.js';
import type { ClaimRuleRef, ResolvedClaimRules } from '../claim-rules.js';
import { ClaimsUnavailableError, type TollgateError } from '../errors.js';
import { firstFailedRule } from './match-claim-rule.js';
import { runClaimValidators, type ValidatorVerdict } from './run-claim-validators.js';
import { isThenable } from './thenable.js';

/** Makes the refusal for a rule the token does not satisfy: 401 for the verifier's rules, 403 for a route's. */
export type RefuseClaims = (rule: ClaimRuleRef) => TollgateError;

/** Throws `refuse(rule)` for the first declarative rule the claims fail. */
export function enforceDeclarativeRules(rules: ResolvedClaimRules, claims: Readonly<Record<string, unknown>>, refuse: RefuseClaims): void {
  const failed = firstFailedRule(rules, claims);
  if (failed) throw refuse(failed);
}

function settle(verdict: ValidatorVerdict | undefined, token: AccessToken, refuse: RefuseClaims, realm: string | undefined): AccessToken {
  if (!verdict) return token;
  if (verdict.refused) throw refuse(verdict.rule);
  // The server could not decide: never a pass, and not the token's fault either.
  throw new ClaimsUnavailableError({ rule: verdict.rule, realm, cause: verdict.cause });
}

/**
 * Runs the validators: returns the token (synchronously while they are synchronous) or a promise of it;
 * throws (or rejects with) `refuse(rule)` when one returns `false`, and {@link ClaimsUnavailableError}
 * when one throws, returns no boolean or times out.
 */
export function enforceValidators(
  rules: ResolvedClaimRules,
  token: AccessToken,
  refuse: RefuseClaims,
  realm: string | undefined,
  timeoutMs?: number,
): AccessToken | Promise<AccessToken> {
  if (rules.validators.length === 0) return token;
  const verdict = runClaimValidators(rules, token, timeoutMs);
  return isThenable<ValidatorVerdict | undefined>(verdict)
    ? Promise.resolve(verdict).then((settled) => settle(settled, token, refuse, realm))
    : settle(verdict, token, refuse, realm);
}

/** Declarative rules, then validators (cheap checks first): what a route's claim requirement runs. */
export function enforceClaimRules(
  rules: ResolvedClaimRules,
  token: AccessToken,
  refuse: RefuseClaims,
  realm: string | undefined,
  timeoutMs?: number,
): AccessToken | Promise<AccessToken> {
  enforceDeclarativeRules(rules, token.claims, refuse);
  return enforceValidators(rules, token, refuse, realm, timeoutMs);
}
