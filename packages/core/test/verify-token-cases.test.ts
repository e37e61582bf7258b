// One table of tokens against a live test issuer: each row builds a token (and, when needed, verifier
// options) and names the exact outcome. The clock is frozen at NOW through the verifier's `now` option.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import { createSigningKey, createTestIssuer, tamperPayload, tamperSignature } from '@tollgate/testing';
import type { IssuerRequestCounts, SignOptions, TestAlgorithm, TestIssuer, TestSigningKey } from '@tollgate/testing';
import { createVerifier, InvalidTokenError, JwksUnavailableError, TollgateError } from '../src/index.js';
import type { TollgateErrorCode, TollgateErrorReason, VerifierOptions } from '../src/index.js';

const NOW = 1_750_000_000; // epoch seconds; every token is minted and verified at this instant
const EXTRA_ALGS = ['RS384', 'ES384', 'PS512', 'ES512'] as const;

let issuer: TestIssuer;
let attacker: TestSigningKey; // a key the issuer never published

interface Fields {
  alg: string;
  scopes: string[];
  clientId: string | undefined;
  subject: string | undefined;
  issuer: string;
  audience: string[];
  expiresAt: Date;
}
type Outcome =
  | { ok: Partial<Fields> }
  | {
      error: typeof InvalidTokenError | typeof JwksUnavailableError;
      status: number;
      code: TollgateErrorCode;
      reason: TollgateErrorReason;
      message: string;
    };
interface Built {
  token: string;
  options?: Partial<VerifierOptions>;
}
interface Row {
  name: string;
  build: () => string | Built | Promise<string | Built>;
  /** Static verifier options (those that depend on the issuer are returned by `build`). */
  options?: Partial<VerifierOptions>;
  /** Verify a good token first, so the JWKS is already cached when the row's token arrives. */
  warm?: boolean;
  /** Exact number of requests the issuer serves while the row's token is verified. */
  fetches?: Partial<IssuerRequestCounts>;
  expect: Outcome;
}

const mint = (claims: Record<string, unknown> = {}, options: SignOptions = {}) => issuer.sign(claims, { now: NOW, ...options });
const ok = (fields: Partial<Fields> = {}): Outcome => ({ ok: fields });
const bad = (reason: TollgateErrorReason, message: string): Outcome => ({
  error: InvalidTokenError,
  status: 401,
  code: 'invalid_token',
  reason,
  message,
});
const b64 = (text: string) => Buffer.from(text).toString('base64url');
const parts = async (): Promise<[string, string, string]> => {
  const [h = '', p = '', s = ''] = (await mint()).split('.');
  return [h, p, s];
};
const keyFor = (alg: TestAlgorithm): TestSigningKey => {
  const key = issuer.keys.find((candidate) => candidate.alg === alg);
  if (!key) throw new Error(`no ${alg} key`);
  return key;
};
/** Signs with any key and any header, bypassing the test issuer (for attacker keys and `crit`). */
const signWith = (key: TestSigningKey, header: Record<string, unknown>, crit?: Record<string, boolean>) =>
  new SignJWT(issuer.defaultClaims(NOW))
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt', ...header })
    .sign(key.privateKey, crit ? { crit } : undefined);
const noFetch = { total: 0 };
const strict = { strict: true };

const rows: Row[] = [
  // Algorithms
  ...(['RS256', 'PS256', 'ES256', 'EdDSA'] as const).map((alg): Row => ({
    name: `accepts a valid ${alg} token with the default algorithms`,
    build: () => mint({}, { alg }),
    expect: ok({ alg }),
  })),
  ...EXTRA_ALGS.map((alg): Row => ({
    name: `accepts a valid ${alg} token when algorithms allows ${alg}`,
    options: { algorithms: [alg] },
    build: () => mint({}, { alg }),
    expect: ok({ alg }),
  })),
  { name: 'rejects an RS384 token under the default algorithms before fetching keys', build: () => mint({}, { alg: 'RS384' }), fetches: noFetch, expect: bad('algorithm', 'algorithm not allowed') },
  { name: 'rejects an RS384 token when only RS256 is allowed', options: { algorithms: ['RS256'] }, build: () => mint({}, { alg: 'RS384' }), fetches: noFetch, expect: bad('algorithm', 'algorithm not allowed') },
  { name: 'rejects an unsigned alg none token before fetching keys', build: () => issuer.unsafe.algNone(issuer.defaultClaims(NOW)), fetches: noFetch, expect: bad('algorithm', 'algorithm not allowed') },
  { name: 'rejects an HS256 token keyed with the RSA public key', build: () => issuer.unsafe.hmacWithPublicKey(issuer.defaultClaims(NOW)), fetches: noFetch, expect: bad('algorithm', 'algorithm not allowed') },
  { name: 'rejects an ES256 header whose kid names an RSA key', build: () => mint({}, { alg: 'RS256', header: { alg: 'ES256' } }), expect: bad('algorithm', 'algorithm does not match the signing key') },
  { name: 'rejects an RS256 header whose kid names the key published for PS256', build: () => mint({}, { alg: 'PS256', header: { alg: 'RS256' } }), expect: bad('algorithm', 'algorithm does not match the signing key') },
  // Keys and signatures
  { name: 'accepts a token without kid when exactly one published key fits its alg', build: () => mint({}, { header: { kid: undefined } }), expect: ok() },
  { name: 'rejects a token whose kid is not in the JWKS after one refetch', warm: true, fetches: { jwks: 1 }, build: () => mint({}, { header: { kid: 'kid-never-published' } }), expect: bad('unknown_key', 'unknown signing key') },
  { name: 'rejects an RS256 token with a tampered signature', build: async () => tamperSignature(await mint()), expect: bad('signature', 'invalid signature') },
  { name: 'rejects an ES256 token with a tampered signature', build: async () => tamperSignature(await mint({}, { alg: 'ES256' })), expect: bad('signature', 'invalid signature') },
  { name: 'rejects a token whose payload was replaced after signing', build: async () => tamperPayload(await mint(), { ...issuer.defaultClaims(NOW), scope: 'admin' }), expect: bad('signature', 'invalid signature') },
  { name: 'rejects a DPoP-bound token (cnf.jkt) presented as a bearer token', build: () => mint({ cnf: { jkt: '0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I' } }), expect: bad('sender_constrained', 'sender-constrained token used as a bearer token') },
  { name: 'rejects a certificate-bound token (cnf x5t#S256) verified without its certificate', build: () => mint({ cnf: { 'x5t#S256': 'bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg0' } }), expect: bad('mtls_missing_certificate', 'certificate-bound token requires the client certificate it is bound to') },
  { name: 'rejects a cnf x5t#S256 that is not canonical base64url as an unreadable binding', build: () => mint({ cnf: { 'x5t#S256': 'bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2' } }), expect: bad('sender_constrained', 'sender-constrained token used as a bearer token') },
  { name: 'rejects a crit header naming an extension it does not understand, before fetching keys', fetches: noFetch, build: () => signWith(keyFor('RS256'), { crit: ['urn:example:ext'], 'urn:example:ext': 1 }, { 'urn:example:ext': true }), expect: bad('unsupported_header', 'unsupported token header') },
  { name: 'ignores a jku header and fetches nothing it names', warm: true, fetches: noFetch, build: () => mint({}, { header: { jku: `${issuer.issuer}/attacker/jwks.json` } }), expect: ok() },
  { name: 'ignores an x5u header and fetches nothing it names', warm: true, fetches: noFetch, build: () => mint({}, { header: { x5u: `${issuer.issuer}/attacker/cert.pem` } }), expect: ok() },
  { name: 'ignores an x5c certificate chain header and verifies with the JWKS key', warm: true, fetches: noFetch, build: () => mint({}, { header: { x5c: ['MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAattacker'] } }), expect: ok() },
  { name: 'ignores an embedded jwk header and verifies with the JWKS key', warm: true, fetches: noFetch, build: () => mint({}, { header: { jwk: attacker.publicJwk } }), expect: ok() },
  { name: 'rejects a token signed by the key in its own jwk header under a published kid', warm: true, fetches: noFetch, build: () => signWith(attacker, { kid: keyFor('RS256').kid, jwk: attacker.publicJwk }), expect: bad('signature', 'invalid signature') },
  { name: 'rejects a token signed by the key in its own jwk header under that key\'s kid', warm: true, fetches: { jwks: 1, total: 1 }, build: () => signWith(attacker, { jwk: attacker.publicJwk, jku: `${issuer.issuer}/attacker/jwks.json` }), expect: bad('unknown_key', 'unknown signing key') },
  // Expiry and time claims (clockTolerance defaults to 5 s)
  { name: 'rejects a token that expired a minute ago', build: () => mint({ exp: NOW - 60 }), expect: bad('expired', 'token expired') },
  { name: 'rejects a token whose exp is exactly clockTolerance in the past', build: () => mint({ exp: NOW - 5 }), expect: bad('expired', 'token expired') },
  { name: 'accepts a token whose exp is one second inside clockTolerance', build: () => mint({ exp: NOW - 4 }), expect: ok({ expiresAt: new Date((NOW - 4) * 1000) }) },
  { name: 'rejects a token whose exp equals now when clockTolerance is 0', options: { clockTolerance: 0 }, build: () => mint({ exp: NOW }), expect: bad('expired', 'token expired') },
  { name: 'accepts exp 29 s ago with clockTolerance \'30s\'', options: { clockTolerance: '30s' }, build: () => mint({ exp: NOW - 29 }), expect: ok({ expiresAt: new Date((NOW - 29) * 1000) }) },
  { name: 'rejects exp 30 s ago with clockTolerance \'30s\'', options: { clockTolerance: '30s' }, build: () => mint({ exp: NOW - 30 }), expect: bad('expired', 'token expired') },
  { name: 'rejects a token whose nbf is beyond clockTolerance', build: () => mint({ nbf: NOW + 6 }), expect: bad('not_yet_valid', 'token not yet valid') },
  { name: 'accepts a token whose nbf is within clockTolerance', build: () => mint({ nbf: NOW + 5 }), expect: ok() },
  { name: 'rejects a token without exp', build: () => mint({}, { omit: ['exp'] }), expect: bad('missing_claim', 'missing exp claim') },
  { name: 'rejects a token whose exp is not a number', build: () => mint({ exp: String(NOW + 300) }), expect: bad('invalid_claim', 'invalid exp claim') },
  { name: 'rejects a token whose nbf is not a number', build: () => mint({ nbf: 'yesterday' }), expect: bad('invalid_claim', 'invalid nbf claim') },
  { name: 'rejects a token issued longer ago than maxTokenAge', options: { maxTokenAge: '10m' }, build: () => mint({ iat: NOW - 3600 }), expect: bad('too_old', 'token too old') },
  { name: 'accepts a token issued within maxTokenAge', options: { maxTokenAge: '10m' }, build: () => mint({ iat: NOW - 600 }), expect: ok() },
  { name: 'rejects a token issued in the future when maxTokenAge is set', options: { maxTokenAge: 600 }, build: () => mint({ iat: NOW + 60 }), expect: bad('issued_in_future', 'token issued in the future') },
  // Issuer
  { name: 'rejects a token from another issuer before fetching keys', fetches: noFetch, build: () => mint({ iss: 'https://evil.example/' }), expect: bad('issuer', 'issuer mismatch') },
  { name: 'rejects a token without iss', fetches: noFetch, build: () => mint({}, { omit: ['iss'] }), expect: bad('missing_claim', 'missing iss claim') },
  { name: 'accepts a token from one of several configured issuers', build: async () => ({ token: await mint(), options: { issuer: ['https://other-issuer.example/', issuer.issuer] } }), expect: ok() },
  // Audience
  { name: 'rejects a token for another audience', build: () => mint({ aud: 'https://other-api.example' }), expect: bad('audience', 'audience mismatch') },
  { name: 'rejects a token without aud', build: () => mint({}, { omit: ['aud'] }), expect: bad('missing_claim', 'missing aud claim') },
  { name: 'accepts an aud array that contains the audience', build: () => mint({ aud: ['https://other-api.example', issuer.audience] }), expect: ok({ audience: ['https://other-api.example', 'https://api.example.test'] }) },
  { name: 'rejects an aud array that lacks the audience', build: () => mint({ aud: ['https://a.example', 'https://b.example'] }), expect: bad('audience', 'audience mismatch') },
  { name: 'accepts a token for one of several configured audiences', build: async () => ({ token: await mint({ aud: 'https://second.example' }), options: { audience: [issuer.audience, 'https://second.example'] } }), expect: ok({ audience: ['https://second.example'] }) },
  // Token type
  ...['at+jwt', 'application/at+jwt', 'JWT', undefined].map((typ): Row => ({
    name: `accepts typ ${typ ?? '(absent)'} by default`,
    build: () => mint({}, { header: { typ } }),
    expect: ok(),
  })),
  ...['dpop+jwt', 'logout+jwt', 'secevent+jwt', 'id_token+jwt'].map((typ): Row => ({
    name: `rejects typ ${typ} before fetching keys`,
    fetches: noFetch,
    build: () => mint({}, { header: { typ } }),
    expect: bad('token_type', 'token type not accepted'),
  })),
  // strict: RFC 9068 only
  { name: 'strict: accepts an RFC 9068 token', options: strict, build: () => mint(), expect: ok() },
  { name: 'strict: accepts typ application/at+jwt', options: strict, build: () => mint({}, { header: { typ: 'application/at+jwt' } }), expect: ok() },
  { name: 'strict: rejects typ JWT', options: strict, build: () => mint({}, { header: { typ: 'JWT' } }), expect: bad('token_type', 'token type not accepted') },
  { name: 'strict: rejects a token without typ', options: strict, build: () => mint({}, { header: { typ: undefined } }), expect: bad('token_type', 'token type not accepted') },
  ...['iss', 'exp', 'aud', 'sub', 'client_id', 'iat', 'jti'].map((claim): Row => ({
    name: `strict: rejects a token without ${claim}`,
    options: strict,
    build: () => mint({}, { omit: [claim] }),
    expect: bad('missing_claim', `missing ${claim} claim`),
  })),
  { name: 'non-strict: accepts a token without sub, client_id, iat and jti', build: () => mint({}, { omit: ['sub', 'client_id', 'iat', 'jti'] }), expect: ok({ subject: undefined, clientId: undefined }) },
  // strict: every RFC 9068 claim has its type checked (section 2.2), not only its presence
  ...([
    ['sub', 1, 'a number'],
    ['sub', '', 'an empty string'],
    ['sub', ['client-123'], 'an array'],
    ['client_id', ['x'], 'an array'],
    ['client_id', '', 'an empty string'],
    ['jti', true, 'a boolean'],
    ['jti', '', 'an empty string'],
    ['iat', 'yesterday', 'a string'],
    ['auth_time', '1750000000', 'a string'],
    ['auth_time', null, 'null'],
    ['acr', 1, 'a number'],
    ['amr', 'pwd', 'a string'],
    ['amr', ['pwd', 2], 'an array holding a number'],
  ] as const).map(([claim, value, what]): Row => ({
    name: `strict: rejects ${claim} as ${what}`,
    options: strict,
    build: () => mint({ [claim]: value }),
    expect: bad('invalid_claim', `invalid ${claim} claim`),
  })),
  { name: 'strict: accepts auth_time, acr and amr of the right types', options: strict, build: () => mint({ auth_time: NOW - 60, acr: 'urn:mace:incommon:iap:silver', amr: ['pwd', 'otp'] }), expect: ok() },
  // Outside strict mode, a claim that becomes an AccessToken field must not turn into undefined when its type is wrong
  ...([
    ['sub', 1, 'a number'],
    ['sub', null, 'null'],
    ['sub', { id: 'x' }, 'an object'],
    ['client_id', ['x'], 'an array'],
    ['client_id', 7, 'a number'],
    ['azp', 5, 'a number'],
    ['azp', ['web'], 'an array'],
  ] as const).map(([claim, value, what]): Row => ({
    name: `rejects ${claim} as ${what}`,
    build: () => mint({ [claim]: value }),
    expect: bad('invalid_claim', `invalid ${claim} claim`),
  })),
  { name: 'rejects a numeric client_id rather than reading clientId from azp', build: () => mint({ client_id: 123, azp: 'web-app' }), expect: bad('invalid_claim', 'invalid client_id claim') },
  { name: 'non-strict: accepts an empty sub as the empty string', build: () => mint({ sub: '' }), expect: ok({ subject: '' }) },
  { name: 'rejects a token missing a configured requiredClaims entry', options: { requiredClaims: ['tenant'] }, build: () => mint(), expect: bad('missing_claim', 'missing tenant claim') },
  { name: 'accepts a token carrying every requiredClaims entry', options: { requiredClaims: ['tenant'] }, build: () => mint({ tenant: 'acme' }), expect: ok() },
  // Size and shape
  { name: 'rejects a token over 8 KiB without any request to the issuer', fetches: noFetch, build: () => mint({ padding: 'x'.repeat(9000) }), expect: bad('token_too_large', 'token too large') },
  { name: 'accepts a token exactly maxTokenLength long', build: async () => { const token = await mint(); return { token, options: { maxTokenLength: token.length } }; }, expect: ok() },
  { name: 'rejects a token one character over maxTokenLength', fetches: noFetch, build: async () => { const token = await mint(); return { token, options: { maxTokenLength: token.length - 1 } }; }, expect: bad('token_too_large', 'token too large') },
  { name: 'rejects an empty token', fetches: noFetch, build: () => '', expect: bad('malformed_token', 'malformed token') },
  { name: 'rejects a token of two segments', fetches: noFetch, build: async () => (await parts()).slice(0, 2).join('.'), expect: bad('malformed_token', 'malformed token') },
  { name: 'rejects a token of four segments', fetches: noFetch, build: async () => `${(await parts()).join('.')}.AAAA`, expect: bad('malformed_token', 'malformed token') },
  { name: 'rejects a token with characters outside base64url', fetches: noFetch, build: async () => { const [h, p, s] = await parts(); return `${h}.${p}*.${s}`; }, expect: bad('malformed_token', 'malformed token') },
  { name: 'rejects a token whose header is not JSON', fetches: noFetch, build: async () => { const [, p, s] = await parts(); return `${b64('{"alg":"RS256",')}.${p}.${s}`; }, expect: bad('malformed_token', 'malformed token') },
  { name: 'rejects a token whose payload is not JSON', fetches: noFetch, build: async () => { const [h, , s] = await parts(); return `${h}.${b64('{"sub":')}.${s}`; }, expect: bad('malformed_token', 'malformed token') },
  { name: 'rejects a token whose payload is a JSON array', fetches: noFetch, build: async () => { const [h, , s] = await parts(); return `${h}.${b64('["sub"]')}.${s}`; }, expect: bad('malformed_token', 'malformed token') },
  // Scopes and client
  { name: 'reads scope as a space-delimited string', build: () => mint({ scope: 'orders:read  orders:write' }), expect: ok({ scopes: ['orders:read', 'orders:write'] }) },
  { name: 'reads scp as an array', build: () => mint({ scp: ['orders:read', 'orders:write'] }), expect: ok({ scopes: ['orders:read', 'orders:write'] }) },
  { name: 'reads scp as a space-delimited string', build: () => mint({ scp: 'orders:read orders:write' }), expect: ok({ scopes: ['orders:read', 'orders:write'] }) },
  { name: 'unions scope and scp without duplicates', build: () => mint({ scope: 'a b', scp: ['b', 'c'] }), expect: ok({ scopes: ['a', 'b', 'c'] }) },
  { name: 'rejects a numeric scope claim', build: () => mint({ scope: 42 }), expect: bad('invalid_claim', 'invalid scope claim') },
  { name: 'reads scope as an array of scope names', build: () => mint({ scope: ['orders:read', 'orders:write'] }), expect: ok({ scopes: ['orders:read', 'orders:write'] }) },
  { name: 'unions a scope array and scp without duplicates', build: () => mint({ scope: ['a', 'b'], scp: ['b', 'c'] }), expect: ok({ scopes: ['a', 'b', 'c'] }) },
  { name: 'reads an empty scope array as no scopes', build: () => mint({ scope: [] }), expect: ok({ scopes: [] }) },
  { name: 'rejects a scope array holding a non-string', build: () => mint({ scope: ['orders:read', 7] }), expect: bad('invalid_claim', 'invalid scope claim') },
  { name: 'rejects a scope array member holding a space (one scope or two?)', build: () => mint({ scope: ['orders:read orders:write'] }), expect: bad('invalid_claim', 'invalid scope claim') },
  { name: 'rejects an empty member in a scope array', build: () => mint({ scope: ['orders:read', ''] }), expect: bad('invalid_claim', 'invalid scope claim') },
  { name: 'rejects a nested array in the scope claim', build: () => mint({ scope: [['orders:read']] }), expect: bad('invalid_claim', 'invalid scope claim') },
  { name: 'strict: rejects a scope array (RFC 9068 section 2.2.3: a string)', options: strict, build: () => mint({ scope: ['orders:read'] }), expect: bad('invalid_claim', 'invalid scope claim') },
  { name: 'strict: accepts a space-delimited scope string', options: strict, build: () => mint({ scope: 'orders:read orders:write' }), expect: ok({ scopes: ['orders:read', 'orders:write'] }) },
  { name: 'rejects an scp array holding a non-string', build: () => mint({ scp: ['orders:read', 7] }), expect: bad('invalid_claim', 'invalid scope claim') },
  { name: 'takes clientId from client_id over azp', build: () => mint({ client_id: 'cli-1', azp: 'web-app' }), expect: ok({ clientId: 'cli-1' }) },
  { name: 'takes clientId from azp when client_id is absent', build: () => mint({ azp: 'web-app' }, { omit: ['client_id'] }), expect: ok({ clientId: 'web-app' }) },
  // Key source down
  {
    name: 'fails with 503 when the JWKS cannot be fetched',
    fetches: { jwks: 0, discovery: 0, total: 1 },
    build: async () => ({ token: await mint(), options: { jwksUri: `${issuer.issuer}/no-such/jwks.json` } }),
    expect: { error: JwksUnavailableError, status: 503, code: 'temporarily_unavailable', reason: 'jwks_unavailable', message: 'signing keys are temporarily unavailable' },
  },
];

/** Every 10-character run of the token (or the whole of a shorter one): none may reach a response. */
const fragments = (token: string): string[] => {
  if (token.length <= 10) return token ? [token] : [];
  return Array.from({ length: token.length - 9 }, (_, i) => token.slice(i, i + 10));
};

describe('verifier.verify: token table against a live test issuer', () => {
  beforeAll(async () => {
    issuer = await createTestIssuer({ algorithms: ['RS256', 'PS256', 'ES256', 'EdDSA', ...EXTRA_ALGS] });
    attacker = await createSigningKey('RS256');
  });
  afterAll(() => issuer.close());

  it('has at least 45 rows, each with a unique name', () => {
    expect(rows.length).toBeGreaterThanOrEqual(45);
    expect(new Set(rows.map((row) => row.name)).size).toBe(rows.length);
  });

  for (const row of rows) {
    it(row.name, async () => {
      const built = await row.build();
      const { token, options } = typeof built === 'string' ? { token: built, options: undefined } : built;
      const verifier = createVerifier({
        issuer: issuer.issuer,
        audience: issuer.audience,
        allowInsecureRequests: true,
        cache: false,
        now: () => NOW * 1000,
        ...row.options,
        ...options,
      });
      if (row.warm) await verifier.verify(await mint());
      const before = { ...issuer.requests };
      const result = await verifier.verify(token).then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      );
      for (const [endpoint, count] of Object.entries(row.fetches ?? {})) {
        const key = endpoint as keyof IssuerRequestCounts;
        expect(issuer.requests[key] - before[key], `${endpoint} requests`).toBe(count);
      }

      if ('ok' in row.expect) {
        if ('error' in result) throw result.error;
        const t = result.value;
        expect(t.token).toBe(token);
        expect({ alg: t.header.alg, scopes: t.scopes, clientId: t.clientId, subject: t.subject, issuer: t.issuer, audience: t.audience, expiresAt: t.expiresAt }).toEqual({
          alg: 'RS256',
          scopes: [],
          clientId: 'client-123',
          subject: 'client-123',
          issuer: issuer.issuer,
          audience: [issuer.audience],
          expiresAt: new Date((NOW + 300) * 1000),
          ...row.expect.ok,
        });
        return;
      }

      const expected = row.expect;
      if (!('error' in result)) return expect.fail(`verified, but expected ${expected.reason}`);
      const err = result.error as TollgateError;
      expect(err).toBeInstanceOf(expected.error);
      expect({ status: err.status, code: err.code, reason: err.reason, message: err.message }).toEqual({
        status: expected.status,
        code: expected.code,
        reason: expected.reason,
        message: expected.message,
      });
      const header = err.wwwAuthenticate();
      expect(header).toContain(`error="${expected.code}"`);
      expect(header).toBe(`Bearer realm="api", error="${expected.code}", error_description="${expected.message}"`);
      expect(err.toJSON()).toEqual({ error: expected.code, error_description: expected.message });
      const exposed = [err.message, header, JSON.stringify(err), err.stack ?? ''].join('\n');
      expect(fragments(token).filter((fragment) => exposed.includes(fragment))).toEqual([]);
    });
  }
});
