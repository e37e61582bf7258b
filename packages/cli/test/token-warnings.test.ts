import { describe, expect, it } from 'vitest';
import type { DecodedToken } from '../src/decode-token.js';
import { tokenWarnings } from '../src/token-warnings.js';

const now = Date.parse('2026-11-23T18:36:00Z');
const s = now / 1000;
const clean: DecodedToken = {
  header: { alg: 'ES256', typ: 'at+jwt', kid: 'k' },
  claims: { iss: 'https://auth.example.com/', aud: 'api', exp: s + 300, iat: s - 10, nbf: s - 10, scope: 'a' },
  signed: true,
};
const warn = (header: Record<string, unknown>, claims: Record<string, unknown> = {}, signed = true) =>
  tokenWarnings({ header: { ...clean.header, ...header }, claims: { ...clean.claims, ...claims }, signed }, now);

describe('tokenWarnings', () => {
  it('has nothing to say about a well-formed, current token', () => {
    expect(tokenWarnings(clean, now)).toEqual([]);
    expect(warn({ typ: 'application/AT+JWT' })).toEqual([]);
    expect(warn({ typ: 'JWT' })).toEqual([]);
    expect(warn({ typ: undefined })).toEqual([]);
  });

  it('warns about algorithms a resource server refuses', () => {
    expect(warn({ alg: 'none' }, {}, false)).toEqual(['alg none: the token is unsigned; refused by every resource server (RFC 8725 section 3.1)']);
    expect(warn({ alg: 'HS256' })).toEqual([
      "alg HS256 is symmetric (a shared secret): refused; tollgate checks signatures with the issuer's public keys only",
    ]);
    expect(warn({ alg: 'XY9' })).toEqual(['alg XY9 is not supported: refused']);
    expect(warn({ alg: 'RS384' })).toEqual(['alg RS384 is outside the default allow-list (RS256, PS256, ES256, EdDSA): refused unless --algorithms allows it']);
    expect(warn({ alg: undefined })).toEqual(['no alg header: refused']);
    expect(warn({}, {}, false)).toEqual(['no signature: refused']);
  });

  it('warns about crit, a foreign typ and headers that name a key', () => {
    expect(warn({ crit: ['b64'] })).toEqual(['crit header: refused (no JWS extension is understood; RFC 7515 section 4.1.11)']);
    expect(warn({ typ: 'dpop+jwt' })).toEqual(['typ dpop+jwt is not an access token type: refused (accepted: at+jwt, JWT or none)']);
    expect(warn({ jku: 'https://evil.example/jwks' })).toEqual([
      "jku header: ignored (keys come only from the issuer's JWKS); a token naming its own key is suspect",
    ]);
  });

  it('warns about missing and out-of-time claims', () => {
    expect(warn({}, { exp: undefined })).toEqual(['no exp claim: refused (tollgate requires one)']);
    expect(warn({}, { exp: '1795459200' })).toEqual(['exp is not a number: refused']);
    expect(warn({}, { exp: s - 7200 })).toEqual(['expired 2 h ago: refused once past the clock tolerance (5 s by default)']);
    expect(warn({}, { nbf: s + 180 })).toEqual(['not valid for another 3 min: refused until then']);
    expect(warn({}, { iat: s + 120 })).toEqual(['issued 2 min in the future: refused only when maxTokenAge (--max-token-age) is set']);
    expect(warn({}, { iss: undefined, aud: undefined })).toEqual(['no iss claim: refused', 'no aud claim: refused (every API checks its audience)']);
  });

  it('warns about a key-bound token and scope claims of the wrong type', () => {
    expect(warn({}, { cnf: { jkt: 'x' } })).toEqual([
      'cnf claim: the token is bound to a key (DPoP, RFC 9449, or mTLS, RFC 8705): refused as a bearer token',
    ]);
    const malformed = 'scope/scp is malformed (scope: a string or an array of scope names without spaces; scp: a string or an array of strings): refused';
    expect(warn({}, { scp: [1, 2] })).toEqual([malformed]);
    expect(warn({}, { scope: ['orders:read orders:write'] })).toEqual([malformed]);
    // scope is a string in RFC 9068 (section 2.2.3); core accepts an array of names outside strict mode only.
    expect(warn({}, { scope: ['orders:read'] })).toEqual(['scope is an array: accepted, but refused in strict mode (RFC 9068 section 2.2.3 makes it a space-delimited string)']);
  });

  it('warns about sub, client_id or azp of a type other than string, which core refuses rather than read as absent', () => {
    expect(warn({}, { sub: 1 })).toEqual(['sub is not a string: refused']);
    expect(warn({}, { client_id: ['x'], azp: null })).toEqual(['client_id is not a string: refused', 'azp is not a string: refused']);
    expect(warn({}, { sub: 'user-1', client_id: 'cli', azp: 'web' })).toEqual([]);
  });
});
