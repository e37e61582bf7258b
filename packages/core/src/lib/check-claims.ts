// The registered-claim checks of a JWT access token (RFC 7519 section 4.1, RFC 9068 section 4).
import { InvalidTokenError, type TollgateErrorReason } from '../errors.js';

/** What the claims must satisfy; durations in seconds. */
export interface ClaimRules {
  issuers: readonly string[];
  audiences: readonly string[];
  /** Claims that must be present (`exp` always is). */
  requiredClaims: readonly string[];
  clockTolerance: number;
  maxTokenAge: number | undefined;
  realm: string;
}

// The largest time a Date can hold, in seconds (ECMA-262 section 21.4.1.22).
const MAX_NUMERIC_DATE = 8.64e12;
// Only claim names that tollgate itself asked for reach a description; anything else is generic.
const SAFE_CLAIM = /^[a-z][a-z0-9_:.-]{0,40}$/i;

/**
 * Throws `InvalidTokenError` unless the claims of a token whose signature checked out are valid at
 * `nowMs`: presence, `iss`, `aud`, then the NumericDate claims `iat`, `nbf`, `exp` and `maxTokenAge`.
 * The boundaries are the cache's (lib/time-claims.ts): `exp <= now - tolerance` is expired.
 */
export function checkClaims(claims: Record<string, unknown>, nowMs: number, rules: ClaimRules): void {
  const fail = (reason: TollgateErrorReason, description: string) => new InvalidTokenError(description, { reason, realm: rules.realm });
  const { clockTolerance: tolerance, maxTokenAge } = rules;
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

  const now = Math.floor(nowMs / 1000);
  const numericDate = (claim: 'iat' | 'nbf' | 'exp'): number | undefined => {
    const value = claims[claim];
    if (value === undefined) return undefined;
    // RFC 7519 section 2: NumericDate is a number of seconds. JSON.parse turns 1e309 into Infinity, and
    // beyond the Date range expiresAt would be an Invalid Date that throws in a route handler.
    if (typeof value !== 'number' || !(Math.abs(value) <= MAX_NUMERIC_DATE)) throw fail('invalid_claim', `invalid ${claim} claim`);
    return value;
  };
  const iat = numericDate('iat');
  const nbf = numericDate('nbf');
  if (nbf !== undefined && nbf > now + tolerance) throw fail('not_yet_valid', 'token not yet valid');
  const exp = numericDate('exp');
  if (exp !== undefined && exp <= now - tolerance) throw fail('expired', 'token expired');
  if (maxTokenAge !== undefined && iat !== undefined) {
    const age = now - iat;
    if (age - tolerance > maxTokenAge) throw fail('too_old', 'token too old');
    if (age < -tolerance) throw fail('issued_in_future', 'token issued in the future');
  }
}
