// The registered-claim checks of a JWT access token (RFC 7519 section 4.1, RFC 9068 section 4).
import { InvalidTokenError, type TollgateErrorReason } from '../errors.js';
import { checkClaimTypes } from './claim-types.js';
import { checkTimeClaims } from './time-claims.js';

/** What the claims must satisfy; durations in seconds. */
export interface ClaimRules {
  issuers: readonly string[];
  audiences: readonly string[];
  /** Claims that must be present (`exp` always is). */
  requiredClaims: readonly string[];
  clockTolerance: number;
  maxTokenAge: number | undefined;
  realm: string;
  /** RFC 9068 only: its claims' types are checked too (see checkClaimTypes). */
  strict: boolean;
}

// Only claim names that tollgate itself asked for reach a description; anything else is generic.
const SAFE_CLAIM = /^[a-z][a-z0-9_:.-]{0,40}$/i;

/**
 * Throws `InvalidTokenError` unless the claims of a token whose signature checked out are valid at
 * `nowMs`: presence, `iss`, `aud`, the types of the claims AccessToken reads (all of RFC 9068's in strict
 * mode), then the NumericDate claims (checkTimeClaims, which cache hits run too).
 */
export function checkClaims(claims: Record<string, unknown>, nowMs: number, rules: ClaimRules): void {
  const fail = (reason: TollgateErrorReason, description: string) => new InvalidTokenError(description, { reason, realm: rules.realm });
  const { maxTokenAge } = rules;
  // iss and aud are named first: a token from elsewhere is reported as such, not as lacking a claim.
  const present = new Set(['iss', 'aud', ...(maxTokenAge === undefined ? [] : ['iat']), ...rules.requiredClaims]);
  for (const claim of present) {
    if (!Object.hasOwn(claims, claim)) throw fail('missing_claim', `missing ${SAFE_CLAIM.test(claim) ? claim : 'a'} claim`);
  }
  if (typeof claims.iss !== 'string' || !rules.issuers.includes(claims.iss)) throw fail('issuer', 'issuer mismatch');
  const { aud } = claims;
  // RFC 7519 section 4.1.3: a StringOrURI or an array of them; one of them must name this API.
  if (Array.isArray(aud) && !aud.every((member) => typeof member === 'string')) throw fail('invalid_claim', 'invalid aud claim');
  const audiences: readonly unknown[] = Array.isArray(aud) ? aud : [aud];
  if (!audiences.some((member) => typeof member === 'string' && rules.audiences.includes(member))) throw fail('audience', 'audience mismatch');
  checkClaimTypes(claims, rules.strict, rules.realm);

  checkTimeClaims(claims, nowMs, rules);
}
