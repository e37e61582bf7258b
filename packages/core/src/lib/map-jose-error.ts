// Turns jose's verification errors into one RFC 6750 error each, with a short safe description.
import { errors } from 'jose';
import { InvalidTokenError, type TollgateErrorReason } from '../errors.js';

const CLAIM_FAILURES: Record<string, [TollgateErrorReason, string]> = {
  nbf: ['not_yet_valid', 'token not yet valid'],
  iss: ['issuer', 'issuer mismatch'],
  aud: ['audience', 'audience mismatch'],
  iat: ['issued_in_future', 'token issued in the future'],
  typ: ['token_type', 'token type not accepted'],
  exp: ['expired', 'token expired'],
};

// Only claim names that tollgate itself asked for reach a description; anything else is generic.
const SAFE_CLAIM = /^[a-z][a-z0-9_:.-]{0,40}$/i;

/** Maps a jose error; anything that is not a jose error is rethrown as it is (it is a bug, not bad input). */
export function mapJoseError(error: unknown, realm: string): InvalidTokenError {
  const fail = (reason: TollgateErrorReason, description: string) => new InvalidTokenError(description, { reason, realm, cause: error });
  if (error instanceof errors.JWTExpired) {
    return error.claim === 'iat' ? fail('too_old', 'token too old') : fail('expired', 'token expired');
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    const claim = SAFE_CLAIM.test(error.claim) ? error.claim : 'a';
    if (error.reason === 'missing') return fail('missing_claim', `missing ${claim} claim`);
    const known = CLAIM_FAILURES[error.claim];
    if (error.reason === 'check_failed' && known) return fail(...known);
    return fail('invalid_claim', `invalid ${claim} claim`);
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return fail('signature', 'invalid signature');
  if (error instanceof errors.JOSEAlgNotAllowed) return fail('algorithm', 'algorithm not allowed');
  if (error instanceof errors.JOSENotSupported) return fail('unsupported_header', 'unsupported token header');
  if (error instanceof errors.JOSEError) return fail('malformed_token', 'malformed token');
  throw error;
}
