// One line saying why a token was refused, from the unverified token and the options it was checked against.
import { InsufficientScopeError, readScopes, type TollgateError } from '@tollgate/core';
import { decodeToken, MalformedTokenError, type DecodedToken } from './decode-token.js';
import { describeTimeClaim } from './describe-time.js';
import { displayValue, redactTokens, safeText } from './lib/safe-text.js';

/** What the token was checked against. */
export interface RefusalContext {
  readonly issuers: readonly string[];
  readonly audiences: readonly string[];
  readonly algorithms: readonly string[];
}

/**
 * A hint for a person: the value in the token that failed and what was expected, e.g.
 * `aud https://other.example; expected https://api.example.com`. `undefined` when the error's own
 * description says it all. Values come from the unverified token and are made safe to print.
 * @param error the refusal
 * @param token the raw token (decoded here, never printed)
 * @param context the verifier's issuers, audiences and algorithms
 * @param nowMs the current time, in milliseconds since the epoch
 * @example explainRefusal(err, jwt, { issuers, audiences, algorithms }, Date.now()) // 'exp 2026-11-23T16:40:00Z (expired 2 h ago)'
 */
export function explainRefusal(error: TollgateError, token: string, context: RefusalContext, nowMs: number): string | undefined {
  let decoded: DecodedToken;
  try {
    decoded = decodeToken(token);
  } catch (decodeError) {
    return decodeError instanceof MalformedTokenError ? decodeError.message : undefined;
  }
  const { header, claims } = decoded;
  const or = (list: readonly string[]) => safeText(list.join(' or '));
  switch (error.reason) {
    case 'expired':
      return `exp ${describeTimeClaim('exp', claims.exp, nowMs)}`;
    case 'not_yet_valid':
      return `nbf ${describeTimeClaim('nbf', claims.nbf, nowMs)}`;
    case 'issued_in_future':
    case 'too_old':
      return `iat ${describeTimeClaim('iat', claims.iat, nowMs)}`;
    case 'issuer':
      return `iss ${displayValue(claims.iss)}; expected ${or(context.issuers)}`;
    case 'audience':
      return `aud ${displayValue(claims.aud)}; expected ${or(context.audiences)}`;
    case 'algorithm':
      return `alg ${displayValue(header.alg)}; allowed: ${safeText(context.algorithms.join(', '))}`;
    case 'token_type':
      return `typ ${displayValue(header.typ)}`;
    case 'unknown_key':
    case 'ambiguous_key':
      return `kid ${displayValue(header.kid ?? '(none)')}, alg ${displayValue(header.alg)}`;
    case 'insufficient_scope': {
      const granted = readScopes(claims).scopes;
      const mode = error instanceof InsufficientScopeError && error.mode === 'any' ? 'any of' : 'all of';
      return `token scopes: ${granted.length ? safeText(granted.join(' ')) : '(none)'}; required ${mode}: ${safeText(error.scope ?? '')}`;
    }
    case 'sender_constrained':
      return explainBinding(claims.cnf);
    case 'dpop_required':
      return 'the API accepts only DPoP-bound tokens (RFC 9449): get the token with a DPoP proof at the token endpoint, then send it as Authorization: DPoP with a fresh proof per request (@tollgate/client: dpop: true)';
    case 'jwks_unavailable':
      // The fetch error names the URL and what went wrong (never a body): the useful part of an outage.
      return error.cause instanceof Error ? safeText(redactTokens(error.cause.message)).slice(0, 300) : undefined;
    default:
      return undefined;
  }
}

/**
 * Why a token with `cnf` is refused as a bearer token, and how it must be sent instead: a DPoP key
 * thumbprint (RFC 9449 section 7.1) or a certificate thumbprint (RFC 8705 section 3).
 */
function explainBinding(cnf: unknown): string {
  const members = typeof cnf === 'object' && cnf !== null && !Array.isArray(cnf) ? (cnf as Record<string, unknown>) : {};
  if (typeof members.jkt === 'string') {
    return `this token is DPoP-bound (cnf.jkt ${displayValue(members.jkt)}): send it as Authorization: DPoP with a DPoP proof signed by that key (RFC 9449 section 7.1); verify checks it without a request, so it cannot pass here`;
  }
  if (typeof members['x5t#S256'] === 'string') {
    return `this token is certificate-bound (cnf x5t#S256 ${displayValue(members['x5t#S256'])}): it is valid only over mutual TLS with that client certificate (RFC 8705 section 3)`;
  }
  return `cnf ${displayValue(cnf)}: the token is bound to a key in a way the API cannot check, so it is refused`;
}
