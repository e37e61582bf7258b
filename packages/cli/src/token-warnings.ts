// What a resource server (tollgate's verifier with default options) will refuse in a token, found by looking.
import { readScopes, resolveOptions, SUPPORTED_ALGORITHMS } from '@tollgate/core';
import type { DecodedToken } from './decode-token.js';
import { relativeTime } from './describe-time.js';
import { displayValue } from './lib/safe-text.js';

// The verifier's default allow-list, read from core rather than copied, so the two cannot drift.
let defaultAlgorithms: readonly string[] | undefined;
const defaults = (): readonly string[] =>
  (defaultAlgorithms ??= resolveOptions({ issuer: 'https://issuer.invalid/', audience: 'api' }).algorithms);

// RFC 9068 section 2.1 and tollgate's default: at+jwt, JWT or no typ; media types compare case-insensitively.
const ACCEPTED_TYPES = new Set(['at+jwt', 'jwt']);
// Header parameters that name a key: tollgate ignores them (keys come only from the issuer).
const KEY_HEADERS = ['jku', 'x5u', 'jwk', 'x5c'];

/**
 * Reasons a resource server will refuse this token, read from the unverified header and claims:
 * `alg` none or HS*, `crit`, an unaccepted `typ`, no signature, no or past `exp`, future `nbf`/`iat`,
 * no `iss`/`aud`, a `cnf` binding, scope claims or `sub`/`client_id`/`azp` of the wrong type. Empty when nothing stands out;
 * that does not make the token valid (only `tollgate verify` checks the signature).
 * @param token the decoded token
 * @param nowMs the current time, in milliseconds since the epoch
 * @example tokenWarnings(decodeToken(jwt), Date.now()) // ['no exp claim: refused (tollgate requires one)']
 * @see RFC 8725 section 3.1-3.2, RFC 7515 section 4.1.11, RFC 9449 section 7.1
 */
export function tokenWarnings(token: DecodedToken, nowMs: number): string[] {
  return [...headerWarnings(token), ...claimWarnings(token.claims, nowMs)];
}

function headerWarnings({ header, signed }: DecodedToken): string[] {
  const warnings: string[] = [];
  const { alg, typ, crit } = header;
  if (typeof alg !== 'string') warnings.push('no alg header: refused');
  else if (alg.toLowerCase() === 'none') warnings.push('alg none: the token is unsigned; refused by every resource server (RFC 8725 section 3.1)');
  else if (/^HS\d+$/i.test(alg)) warnings.push(`alg ${alg} is symmetric (a shared secret): refused; tollgate checks signatures with the issuer's public keys only`);
  else if (!(SUPPORTED_ALGORITHMS as readonly string[]).includes(alg)) warnings.push(`alg ${displayValue(alg)} is not supported: refused`);
  else if (!defaults().includes(alg)) warnings.push(`alg ${alg} is outside the default allow-list (${defaults().join(', ')}): refused unless --algorithms allows it`);
  if (!signed && alg !== 'none') warnings.push('no signature: refused');
  if (crit !== undefined) warnings.push('crit header: refused (no JWS extension is understood; RFC 7515 section 4.1.11)');
  if (typ !== undefined && (typeof typ !== 'string' || !ACCEPTED_TYPES.has(typ.toLowerCase().replace(/^application\//, '')))) {
    warnings.push(`typ ${displayValue(typ)} is not an access token type: refused (accepted: at+jwt, JWT or none)`);
  }
  for (const name of KEY_HEADERS) {
    if (header[name] !== undefined) warnings.push(`${name} header: ignored (keys come only from the issuer's JWKS); a token naming its own key is suspect`);
  }
  return warnings;
}

function claimWarnings(claims: Readonly<Record<string, unknown>>, nowMs: number): string[] {
  const warnings: string[] = [];
  const now = nowMs / 1000;
  const { exp, nbf, iat } = claims;
  if (exp === undefined) warnings.push('no exp claim: refused (tollgate requires one)');
  else if (typeof exp !== 'number') warnings.push('exp is not a number: refused');
  else if (exp <= now) warnings.push(`${relativeTime('exp', exp, nowMs)}: refused once past the clock tolerance (5 s by default)`);
  if (typeof nbf === 'number' && nbf > now) warnings.push(`${relativeTime('nbf', nbf, nowMs)}: refused until then`);
  // Core checks iat only against maxTokenAge (RFC 7519 gives iat no validity rule of its own).
  if (typeof iat === 'number' && iat > now) warnings.push(`${relativeTime('iat', iat, nowMs)}: refused only when maxTokenAge (--max-token-age) is set`);
  if (claims.iss === undefined) warnings.push('no iss claim: refused');
  if (claims.aud === undefined) warnings.push('no aud claim: refused (every API checks its audience)');
  if (claims.cnf !== undefined) {
    warnings.push('cnf claim: the token is bound to a key (DPoP, RFC 9449, or mTLS, RFC 8705): refused as a bearer token');
  }
  if (!readScopes(claims).valid) warnings.push('scope/scp is malformed (scope: a string or an array of scope names without spaces; scp: a string or an array of strings): refused');
  else if (Array.isArray(claims.scope)) warnings.push('scope is an array: accepted, but refused in strict mode (RFC 9068 section 2.2.3 makes it a space-delimited string)');
  // Core refuses these rather than read a wrong type as absent (a numeric client_id must not let azp speak).
  for (const name of ['sub', 'client_id', 'azp']) {
    if (claims[name] !== undefined && typeof claims[name] !== 'string') warnings.push(`${name} is not a string: refused`);
  }
  return warnings;
}
