// The time checks of a token (exp, nbf, iat with maxTokenAge): one implementation for fresh verifications and cache hits.
import { InvalidTokenError, type TollgateErrorReason } from '../errors.js';

export interface TimeRules {
  clockTolerance: number;
  maxTokenAge: number | undefined;
  realm: string;
}

// The largest time a Date can hold, in seconds (ECMA-262 section 21.4.1.22).
const MAX_NUMERIC_DATE = 8.64e12;

/**
 * Whether `value` is a NumericDate tollgate can use: a number of seconds within a Date's range (RFC 7519
 * section 2). JSON.parse turns 1e309 into Infinity, which is none.
 * @example isNumericDate(1750000000) // true; isNumericDate('1750000000') // false
 */
export function isNumericDate(value: unknown): value is number {
  return typeof value === 'number' && Math.abs(value) <= MAX_NUMERIC_DATE;
}

/**
 * Throws unless `iat`, `nbf` and `exp` are NumericDates and the token is valid at `nowMs`: `nbf` not
 * ahead, `exp` not past, and with `maxTokenAge` an `iat` neither too old nor ahead, all within
 * `clockTolerance`. Runs on every fresh verification (after the other claim checks) and on every
 * cache hit, so both draw each line at the same second.
 */
export function checkTimeClaims(claims: Readonly<Record<string, unknown>>, nowMs: number, rules: TimeRules): void {
  const { clockTolerance: tolerance, maxTokenAge, realm } = rules;
  const fail = (reason: TollgateErrorReason, description: string) => new InvalidTokenError(description, { reason, realm });
  const now = Math.floor(nowMs / 1000);
  const numericDate = (claim: 'iat' | 'nbf' | 'exp'): number | undefined => {
    const value = claims[claim];
    if (value === undefined) return undefined;
    // RFC 7519 section 2: NumericDate is a number of seconds. Beyond the Date range expiresAt would be an
    // Invalid Date that throws in a route handler.
    if (!isNumericDate(value)) throw fail('invalid_claim', `invalid ${claim} claim`);
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
