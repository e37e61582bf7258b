// The types of the claims a verified token is read by: sub, client_id and azp always; in strict mode every RFC 9068 claim, scope included.
import { InvalidTokenError } from '../errors.js';
import { isNumericDate } from './time-claims.js';

const isString = (value: unknown): boolean => typeof value === 'string';
const isNonEmptyString = (value: unknown): boolean => typeof value === 'string' && value.length > 0;
const isStringArray = (value: unknown): boolean => Array.isArray(value) && value.every(isString);

// Claims an AccessToken field is read from (`subject`; `clientId` from client_id, else azp). A wrong type
// must not be read as "absent": `subject` would be undefined, and a numeric client_id would let azp speak.
const ALWAYS: ReadonlyArray<readonly [string, (value: unknown) => boolean]> = [
  ['sub', isString],
  ['client_id', isString],
  ['azp', isString],
];

// RFC 9068 section 2.2: sub, client_id and jti are strings (RFC 7519 sections 4.1.2, 4.1.7; RFC 8693
// section 4.3), non-empty since they identify something; iat is a NumericDate (checked with the other
// time claims). Section 2.2.1: auth_time a NumericDate, acr a string, amr an array of strings, when present.
const STRICT: ReadonlyArray<readonly [string, (value: unknown) => boolean]> = [
  ['sub', isNonEmptyString],
  ['client_id', isNonEmptyString],
  ['jti', isNonEmptyString],
  ['auth_time', isNumericDate],
  ['acr', isString],
  ['amr', isStringArray],
  // Not an RFC 9068 claim, but clientId is read from it as in the default mode.
  ['azp', isString],
  // Section 2.2.3: scope is a space-delimited string; the array some issuers send is accepted outside strict mode only.
  ['scope', isString],
];

/**
 * Throws `InvalidTokenError` (`invalid_claim`, naming the claim) for a present claim of the wrong type:
 * `sub`, `client_id`, `azp` always; with `strict`, RFC 9068's `sub`, `client_id`, `jti` (non-empty
 * strings), `auth_time` (a NumericDate), `acr` (a string), `amr` (an array of strings) and `scope` (a string,
 * never the array accepted otherwise) as well. Presence is checked elsewhere (requiredClaims).
 * @see RFC 9068 sections 2.2 and 2.2.3, RFC 7519 section 4.1
 */
export function checkClaimTypes(claims: Readonly<Record<string, unknown>>, strict: boolean, realm: string): void {
  for (const [claim, valid] of strict ? STRICT : ALWAYS) {
    if (Object.hasOwn(claims, claim) && !valid(claims[claim])) {
      throw new InvalidTokenError(`invalid ${claim} claim`, { reason: 'invalid_claim', realm });
    }
  }
}
