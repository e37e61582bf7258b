import { createHmac, createPublicKey } from 'node:crypto';
import { connect } from 'node:net';
import {
  createLocalJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  jwtVerify,
  type JSONWebKeySet,
  type JWK,
} from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestIssuer, type TestAlgorithm, type TestIssuer, type TestIssuerOptions } from '../src/index.js';

// Issuers created inside a test are closed after it; the shared one after the file.
const perTest: TestIssuer[] = [];
async function issuerFor(options: TestIssuerOptions = { algorithms: ['ES256'] }): Promise<TestIssuer> {
  const issuer = await createTestIssuer(options);
  perTest.push(issuer);
  return issuer;
}
afterEach(async () => {
  await Promise.all(perTest.splice(0).map((issuer) => issuer.close()));
});

let shared: TestIssuer;
beforeAll(async () => {
  shared = await createTestIssuer();
});
afterAll(async () => {
  await shared?.close();
});

async function getJson(url: string, init?: RequestInit): Promise<{ status: number; body: unknown; contentType: string | null }> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(5000) });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text), contentType: response.headers.get('content-type') };
}

async function jwksOf(issuer: TestIssuer): Promise<JSONWebKeySet> {
  const { status, body } = await getJson(issuer.jwksUri);
  expect(status).toBe(200);
  return body as JSONWebKeySet;
}

const kidsOf = (jwks: JSONWebKeySet): (string | undefined)[] => jwks.keys.map((key) => key.kid);
const originOf = (issuer: TestIssuer): string => new URL(issuer.issuer).origin;
const parts = (token: string): [string, string, string] => {
  const [header = '', payload = '', signature = ''] = token.split('.');
  expect(token.split('.')).toHaveLength(3);
  return [header, payload, signature];
};
const decodePart = (part: string): Record<string, unknown> => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
// 'connected', an error code such as 'ECONNREFUSED', or 'timeout' (bounded at 2 s).
function connectionResult(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve('timeout');
    }, 2000);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(error.code ?? 'error');
    });
  });
}
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('listening and discovery', () => {
  it('listens on 127.0.0.1 with an ephemeral port and no path by default', () => {
    expect(shared.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const port = Number(new URL(shared.issuer).port);
    expect(port).toBeGreaterThan(0);
    expect(shared.jwksUri).toBe(`${shared.issuer}/.well-known/jwks.json`);
    expect(shared.audience).toBe('https://api.example.test');
  });

  it('binds to 127.0.0.1 only, not to every interface', async () => {
    const port = Number(new URL(shared.issuer).port);
    expect(await connectionResult('127.0.0.1', port)).toBe('connected');
    // Linux routes all of 127/8 to loopback: a server bound to 0.0.0.0 would accept here.
    expect(await connectionResult('127.0.0.2', port)).not.toBe('connected');
  });

  it('gives two issuers two different ports', async () => {
    const other = await issuerFor();
    expect(other.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(other.issuer).not.toBe(shared.issuer);
  });

  it('serves both discovery documents at the default (empty) path', async () => {
    const origin = originOf(shared);
    for (const url of [`${origin}/.well-known/oauth-authorization-server`, `${origin}/.well-known/openid-configuration`]) {
      const { status, body, contentType } = await getJson(url);
      expect(status).toBe(200);
      expect(contentType).toBe('application/json');
      expect(body).toMatchObject({ issuer: shared.issuer, jwks_uri: shared.jwksUri });
    }
  });

  it('the authorization endpoint it advertises (RFC 8414 requires one) refuses every request, redirecting nowhere', async () => {
    const issuer = await issuerFor({ algorithms: ['ES256'] });
    const response = await fetch(`${issuer.issuer}/oauth/authorize?response_type=code&client_id=x&redirect_uri=https://attacker.example/`, { redirect: 'manual', signal: AbortSignal.timeout(5000) });
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    expect(await response.json()).toMatchObject({ error: 'unsupported_response_type' });
  });

  it('with a path: the issuer includes it, RFC 8414 inserts the well-known segment and OIDC appends it', async () => {
    const issuer = await issuerFor({ algorithms: ['ES256', 'EdDSA'], path: '/tenant' });
    const origin = originOf(issuer);
    expect(issuer.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/tenant$/);
    expect(issuer.issuer).toBe(`${origin}/tenant`);
    expect(issuer.jwksUri).toBe(`${origin}/tenant/.well-known/jwks.json`);

    const oauth = await getJson(`${origin}/.well-known/oauth-authorization-server/tenant`);
    expect(oauth.status).toBe(200);
    expect(oauth.body).toEqual({
      issuer: `${origin}/tenant`,
      jwks_uri: `${origin}/tenant/.well-known/jwks.json`,
      token_endpoint: `${origin}/tenant/oauth/token`,
      authorization_endpoint: `${origin}/tenant/oauth/authorize`,
      response_types_supported: [],
      grant_types_supported: ['client_credentials'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'private_key_jwt'],
      token_endpoint_auth_signing_alg_values_supported: expect.arrayContaining(['RS256', 'ES256', 'EdDSA']),
      id_token_signing_alg_values_supported: ['ES256', 'EdDSA'],
      dpop_signing_alg_values_supported: ['ES256', 'ES384', 'ES512', 'PS256', 'RS256', 'EdDSA', 'Ed25519'],
    });
    const oidc = await getJson(`${origin}/tenant/.well-known/openid-configuration`);
    expect(oidc.status).toBe(200);
    expect(oidc.body).toEqual(oauth.body);

    // The wrong placements of the well-known segment are not served.
    expect((await getJson(`${origin}/tenant/.well-known/oauth-authorization-server`)).status).toBe(404);
    expect((await getJson(`${origin}/.well-known/openid-configuration`)).status).toBe(404);
    expect((await getJson(`${origin}/.well-known/oauth-authorization-server`)).status).toBe(404);

    const jwks = await jwksOf(issuer);
    expect(kidsOf(jwks)).toEqual(issuer.keys.map((key) => key.kid));
  });

  it('drops trailing slashes of the path', async () => {
    const issuer = await issuerFor({ algorithms: ['ES256'], path: '/tenant-a/' });
    expect(issuer.issuer).toBe(`${originOf(issuer)}/tenant-a`);
    expect((await getJson(`${originOf(issuer)}/tenant-a/.well-known/openid-configuration`)).status).toBe(200);
  });

  it('adds the leading slash a path was given without', async () => {
    const issuer = await issuerFor({ algorithms: ['ES256'], path: 'tenant-b' });
    expect(issuer.issuer).toBe(`${originOf(issuer)}/tenant-b`);
  });

  it.each([
    { discovery: 'oauth', oauth: 200, oidc: 404 },
    { discovery: 'oidc', oauth: 404, oidc: 200 },
    { discovery: 'none', oauth: 404, oidc: 404 },
    { discovery: 'both', oauth: 200, oidc: 200 },
  ] as const)('discovery: $discovery serves oauth=$oauth oidc=$oidc (the JWKS always)', async ({ discovery, oauth, oidc }) => {
    const issuer = await issuerFor({ algorithms: ['ES256'], path: '/t', discovery });
    const origin = originOf(issuer);
    const oauthDoc = await getJson(`${origin}/.well-known/oauth-authorization-server/t`);
    const oidcDoc = await getJson(`${origin}/t/.well-known/openid-configuration`);
    expect(oauthDoc.status).toBe(oauth);
    expect(oidcDoc.status).toBe(oidc);
    for (const doc of [oauthDoc, oidcDoc]) {
      if (doc.status === 200) expect(doc.body).toMatchObject({ issuer: issuer.issuer, jwks_uri: issuer.jwksUri });
      else expect(doc.body).toEqual({ error: 'not_found' });
    }
    expect((await getJson(issuer.jwksUri)).status).toBe(200);
  });

  it('advertisedIssuer and advertisedJwksUri override both documents but not the tokens', async () => {
    const issuer = await issuerFor({
      algorithms: ['ES256'],
      advertisedIssuer: 'https://evil.example.test',
      advertisedJwksUri: 'https://elsewhere.example.test/jwks.json',
    });
    const origin = originOf(issuer);
    for (const url of [`${origin}/.well-known/oauth-authorization-server`, `${origin}/.well-known/openid-configuration`]) {
      const { status, body } = await getJson(url);
      expect(status).toBe(200);
      expect(body).toMatchObject({ issuer: 'https://evil.example.test', jwks_uri: 'https://elsewhere.example.test/jwks.json' });
    }
    expect(issuer.issuer).toBe(origin);
    expect(issuer.jwksUri).toBe(`${origin}/.well-known/jwks.json`);
    expect(decodeJwt(await issuer.sign()).iss).toBe(origin);
  });

  it('advertisedIssuer alone leaves jwks_uri alone', async () => {
    const issuer = await issuerFor({ algorithms: ['ES256'], advertisedIssuer: 'https://evil.example.test' });
    const { body } = await getJson(`${originOf(issuer)}/.well-known/openid-configuration`);
    expect(body).toMatchObject({ issuer: 'https://evil.example.test', jwks_uri: issuer.jwksUri });
  });
});

describe('JWKS', () => {
  const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

  it('lists one public key per default algorithm with kid, alg, use: sig and no private members', async () => {
    const { status, body, contentType } = await getJson(shared.jwksUri);
    expect(status).toBe(200);
    expect(contentType).toBe('application/json');
    const jwks = body as { keys: JWK[] };
    expect(Object.keys(jwks)).toEqual(['keys']);
    expect(jwks.keys.map((key) => key.alg)).toEqual(['RS256', 'PS256', 'ES256', 'EdDSA']);
    expect(jwks.keys.map((key) => key.kty)).toEqual(['RSA', 'RSA', 'EC', 'OKP']);
    expect(jwks.keys[2]?.crv).toBe('P-256');
    expect(jwks.keys[3]?.crv).toBe('Ed25519');
    expect(shared.keys.map((key) => key.alg)).toEqual(['RS256', 'PS256', 'ES256', 'EdDSA']);
    jwks.keys.forEach((jwk, index) => {
      const key = shared.keys[index];
      expect(jwk.kid).toBe(key?.kid);
      expect(jwk.kid).toMatch(UUID);
      expect(jwk.use).toBe('sig');
      expect(jwk).toEqual(key?.publicJwk);
      for (const member of PRIVATE_MEMBERS) expect(jwk).not.toHaveProperty(member);
    });
    expect(new Set(kidsOf(jwks)).size).toBe(4);
    // RSA keys carry the public members only.
    expect(Object.keys(jwks.keys[0] ?? {}).sort()).toEqual(['alg', 'e', 'kid', 'kty', 'n', 'use']);
  });

  it('follows options.algorithms', async () => {
    const issuer = await issuerFor({ algorithms: ['ES384', 'ES256'] });
    const jwks = await jwksOf(issuer);
    expect(jwks.keys.map((key) => [key.alg, key.crv])).toEqual([
      ['ES384', 'P-384'],
      ['ES256', 'P-256'],
    ]);
  });

  it('refuses an empty algorithm list', async () => {
    await expect(createTestIssuer({ algorithms: [] })).rejects.toThrow('createTestIssuer: algorithms must not be empty');
  });
});

describe('response headers', () => {
  it('responseHeaders and setResponseHeaders add headers to the JWKS and discovery responses, per target', async () => {
    const issuer = await issuerFor({ algorithms: ['ES256'], responseHeaders: { 'cache-control': 'max-age=300' } });
    const discovery = `${issuer.issuer}/.well-known/openid-configuration`;
    const header = async (url: string, name: string) => (await fetch(url)).headers.get(name);
    expect(await header(issuer.jwksUri, 'cache-control')).toBe('max-age=300');
    expect(await header(discovery, 'cache-control')).toBe('max-age=300');
    issuer.setResponseHeaders({ 'cache-control': 'no-store', age: '12' }, 'jwks');
    expect([await header(issuer.jwksUri, 'cache-control'), await header(issuer.jwksUri, 'age')]).toEqual(['no-store', '12']);
    expect(await header(discovery, 'cache-control')).toBe('max-age=300');
    // The body's own headers stay the issuer's.
    issuer.setResponseHeaders({ 'content-type': 'text/plain' }, 'jwks');
    expect(await header(issuer.jwksUri, 'content-type')).toBe('application/json');
    issuer.setResponseHeaders(null);
    expect([await header(issuer.jwksUri, 'cache-control'), await header(discovery, 'cache-control')]).toEqual([null, null]);
  });
});

describe('sign()', () => {
  const ALGORITHMS: TestAlgorithm[] = ['RS256', 'PS256', 'ES256', 'EdDSA'];

  it.each(ALGORITHMS)('mints a %s token that verifies against the served JWKS', async (alg) => {
    const jwks = createLocalJWKSet(await jwksOf(shared));
    const key = shared.keys.find((candidate) => candidate.alg === alg);
    const before = Math.floor(Date.now() / 1000);
    const token = await shared.sign({}, { alg });
    const after = Math.floor(Date.now() / 1000);
    const { payload, protectedHeader } = await jwtVerify(token, jwks, {
      issuer: shared.issuer,
      audience: 'https://api.example.test',
      typ: 'at+jwt',
      algorithms: [alg],
    });
    expect(protectedHeader).toEqual({ alg, kid: key?.kid, typ: 'at+jwt' });
    expect(Object.keys(payload).sort()).toEqual(['aud', 'client_id', 'exp', 'iat', 'iss', 'jti', 'sub']);
    expect(payload).toMatchObject({ iss: shared.issuer, aud: 'https://api.example.test', sub: 'client-123', client_id: 'client-123' });
    expect(payload.iat).toBeGreaterThanOrEqual(before);
    expect(payload.iat).toBeLessThanOrEqual(after);
    expect(payload.exp).toBe((payload.iat ?? NaN) + 300);
    expect(payload.jti).toMatch(UUID);
  });

  it('signs with the first key by default and by kid on request', async () => {
    expect(decodeProtectedHeader(await shared.sign())).toEqual({ alg: 'RS256', kid: shared.keys[0]?.kid, typ: 'at+jwt' });
    const ec = shared.keys[2];
    expect(decodeProtectedHeader(await shared.sign({}, { kid: ec?.kid }))).toEqual({ alg: 'ES256', kid: ec?.kid, typ: 'at+jwt' });
    await expect(shared.sign({}, { kid: 'no-such-kid' })).rejects.toThrow('test issuer: no key with kid no-such-kid');
    await expect(shared.sign({}, { alg: 'ES512' })).rejects.toThrow('test issuer: no key for ES512');
  });

  it('uses a unique jti for every token', async () => {
    const tokens = await Promise.all(Array.from({ length: 8 }, () => shared.sign({}, { alg: 'ES256' })));
    const jtis = tokens.map((token) => decodeJwt(token).jti);
    for (const jti of jtis) expect(jti).toMatch(UUID);
    expect(new Set(jtis).size).toBe(8);
  });

  it('merges claim overrides over the defaults', async () => {
    const token = await shared.sign(
      { sub: 'user-9', aud: ['https://a.example.test', 'https://b.example.test'], scope: 'orders:read orders:write', iss: 'https://other.example.test' },
      { alg: 'ES256' },
    );
    const payload = decodeJwt(token);
    expect(payload).toMatchObject({
      sub: 'user-9',
      aud: ['https://a.example.test', 'https://b.example.test'],
      scope: 'orders:read orders:write',
      iss: 'https://other.example.test',
      client_id: 'client-123',
    });
    await expect(
      jwtVerify(token, createLocalJWKSet(await jwksOf(shared)), { issuer: 'https://other.example.test', audience: 'https://b.example.test' }),
    ).resolves.toBeDefined();
  });

  it('uses the audience option as the default aud', async () => {
    const issuer = await issuerFor({ algorithms: ['ES256'], audience: 'urn:orders' });
    expect(issuer.audience).toBe('urn:orders');
    expect(decodeJwt(await issuer.sign()).aud).toBe('urn:orders');
    expect(issuer.defaultClaims(100)).toMatchObject({ aud: 'urn:orders', iat: 100, exp: 400 });
  });

  it('omits the listed claims after merging', async () => {
    const token = await shared.sign({ scope: 'a' }, { alg: 'ES256', omit: ['jti', 'client_id', 'exp', 'scope'] });
    const payload = decodeJwt(token);
    expect(Object.keys(payload).sort()).toEqual(['aud', 'iat', 'iss', 'sub']);
    await expect(jwtVerify(token, createLocalJWKSet(await jwksOf(shared)))).resolves.toBeDefined();
  });

  it('honours now and expiresIn, and an explicit exp claim beats expiresIn', async () => {
    const fixed = await shared.sign({}, { alg: 'ES256', now: 1_000_000 });
    expect(decodeJwt(fixed)).toMatchObject({ iat: 1_000_000, exp: 1_000_300 });
    const jwks = createLocalJWKSet(await jwksOf(shared));
    await expect(jwtVerify(fixed, jwks, { currentDate: new Date(1_000_100 * 1000) })).resolves.toBeDefined();
    await expect(jwtVerify(fixed, jwks)).rejects.toMatchObject({ code: 'ERR_JWT_EXPIRED' });

    expect(decodeJwt(await shared.sign({}, { alg: 'ES256', now: 2_000_000, expiresIn: 60 }))).toMatchObject({ iat: 2_000_000, exp: 2_000_060 });
    const short = decodeJwt(await shared.sign({}, { alg: 'ES256', expiresIn: 5 }));
    expect(short.exp).toBe((short.iat ?? NaN) + 5);
    expect(decodeJwt(await shared.sign({ exp: 42 }, { alg: 'ES256', now: 10, expiresIn: 60 }))).toMatchObject({ iat: 10, exp: 42 });
  });

  it('merges header overrides; undefined removes a header parameter', async () => {
    const jwks = createLocalJWKSet(await jwksOf(shared));
    const es = shared.keys[2];

    const custom = await shared.sign({}, { alg: 'ES256', header: { typ: 'JWT', cty: 'custom' } });
    expect(decodeProtectedHeader(custom)).toEqual({ alg: 'ES256', kid: es?.kid, typ: 'JWT', cty: 'custom' });
    await expect(jwtVerify(custom, jwks, { typ: 'JWT' })).resolves.toBeDefined();

    const noTyp = await shared.sign({}, { alg: 'ES256', header: { typ: undefined } });
    expect(decodeProtectedHeader(noTyp)).toEqual({ alg: 'ES256', kid: es?.kid });
    await expect(jwtVerify(noTyp, jwks)).resolves.toBeDefined();

    // Without a kid the only ES256 key of the set is still found.
    const noKid = await shared.sign({}, { alg: 'ES256', header: { kid: undefined } });
    expect(decodeProtectedHeader(noKid)).toEqual({ alg: 'ES256', typ: 'at+jwt' });
    await expect(jwtVerify(noKid, jwks)).resolves.toBeDefined();

    const otherKid = await shared.sign({}, { alg: 'ES256', header: { kid: 'unknown-kid' } });
    expect(decodeProtectedHeader(otherKid).kid).toBe('unknown-kid');
    await expect(jwtVerify(otherKid, jwks)).rejects.toMatchObject({ code: 'ERR_JWKS_NO_MATCHING_KEY' });
  });

  it('a different alg in the header is claimed, but the signature does not verify under it', async () => {
    const rsa = shared.keys[0];
    if (!rsa) throw new Error('no RSA key');
    const token = await shared.sign({}, { header: { alg: 'PS256' } });
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'PS256', kid: rsa.kid, typ: 'at+jwt' });
    // The same RSA public key, as a KeyObject that may verify either RSA algorithm.
    const publicKey = createPublicKey({ key: rsa.publicJwk, format: 'jwk' });
    await expect(jwtVerify(token, publicKey, { algorithms: ['PS256'] })).rejects.toMatchObject({
      code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
    });
    await expect(jwtVerify(token, createLocalJWKSet(await jwksOf(shared)))).rejects.toThrow();

    const hs = await shared.sign({}, { alg: 'ES256', header: { alg: 'HS256' } });
    expect(decodeProtectedHeader(hs)).toEqual({ alg: 'HS256', kid: shared.keys[2]?.kid, typ: 'at+jwt' });
    await expect(jwtVerify(hs, createLocalJWKSet(await jwksOf(shared)))).rejects.toThrow();
    // The payload is still the minted one.
    expect(decodeJwt(hs)).toMatchObject({ iss: shared.issuer, sub: 'client-123' });
  });

  it('defaultClaims() describes what a token would get', () => {
    const claims = shared.defaultClaims(1_700_000_000);
    expect(claims).toEqual({
      iss: shared.issuer,
      aud: 'https://api.example.test',
      sub: 'client-123',
      client_id: 'client-123',
      iat: 1_700_000_000,
      exp: 1_700_000_300,
      jti: expect.stringMatching(UUID),
    });
    expect(shared.defaultClaims().jti).not.toBe(shared.defaultClaims().jti);
  });
});

describe('key rotation', () => {
  it('rotate() adds a published key of the first algorithm that signs verifiable tokens', async () => {
    const issuer = await issuerFor({ algorithms: ['ES256'] });
    const original = issuer.keys[0]?.kid;
    const key = await issuer.rotate();
    expect(key.alg).toBe('ES256');
    expect(key.published).toBe(true);
    expect(key.kid).not.toBe(original);
    expect(issuer.keys.map((candidate) => candidate.kid)).toEqual([original, key.kid]);
    const jwks = await jwksOf(issuer);
    expect(kidsOf(jwks)).toEqual([original, key.kid]);
    const token = await issuer.sign({}, { kid: key.kid });
    expect(decodeProtectedHeader(token).kid).toBe(key.kid);
    await expect(jwtVerify(token, createLocalJWKSet(jwks))).resolves.toBeDefined();
  });

  it('rotate() takes an alg and a kid', async () => {
    const issuer = await issuerFor({ algorithms: ['ES256'] });
    const key = await issuer.rotate({ alg: 'EdDSA', kid: 'next-key' });
    expect(key).toMatchObject({ kid: 'next-key', alg: 'EdDSA', published: true });
    const jwks = await jwksOf(issuer);
    expect(jwks.keys[1]).toMatchObject({ kid: 'next-key', alg: 'EdDSA', kty: 'OKP', crv: 'Ed25519', use: 'sig' });
    expect(jwks.keys[1]).not.toHaveProperty('d');
    await expect(jwtVerify(await issuer.sign({}, { kid: 'next-key' }), createLocalJWKSet(jwks))).resolves.toBeDefined();
  });

  it('rotate({ publish: false }) keeps the new key out of the JWKS', async () => {
    const issuer = await issuerFor({ algorithms: ['ES256'] });
    const key = await issuer.rotate({ publish: false });
    expect(key.published).toBe(false);
    expect(issuer.keys).toHaveLength(2);
    const jwks = await jwksOf(issuer);
    expect(kidsOf(jwks)).toEqual([issuer.keys[0]?.kid]);
    const token = await issuer.sign({}, { kid: key.kid });
    await expect(jwtVerify(token, createLocalJWKSet(jwks))).rejects.toMatchObject({ code: 'ERR_JWKS_NO_MATCHING_KEY' });
    issuer.publish(key.kid);
    const republished = await jwksOf(issuer);
    expect(kidsOf(republished)).toEqual([issuer.keys[0]?.kid, key.kid]);
    await expect(jwtVerify(token, createLocalJWKSet(republished))).resolves.toBeDefined();
  });

  it('retire(kid) removes a key from the JWKS but it still signs; publish(kid) restores it', async () => {
    const issuer = await issuerFor({ algorithms: ['ES256', 'EdDSA'] });
    const [es, ed] = issuer.keys;
    if (!es || !ed) throw new Error('keys missing');
    issuer.retire(es.kid);
    expect(es.published).toBe(false);
    expect(kidsOf(await jwksOf(issuer))).toEqual([ed.kid]);

    const token = await issuer.sign({}, { kid: es.kid });
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'ES256', kid: es.kid });
    await expect(jwtVerify(token, es.publicKey)).resolves.toBeDefined();
    await expect(jwtVerify(token, createLocalJWKSet(await jwksOf(issuer)))).rejects.toMatchObject({ code: 'ERR_JWKS_NO_MATCHING_KEY' });

    issuer.publish(es.kid);
    expect(es.published).toBe(true);
    const jwks = await jwksOf(issuer);
    expect(kidsOf(jwks)).toEqual([es.kid, ed.kid]);
    await expect(jwtVerify(token, createLocalJWKSet(jwks))).resolves.toBeDefined();

    expect(() => issuer.retire('nope')).toThrow('test issuer: no key with kid nope');
    expect(() => issuer.publish('nope')).toThrow('test issuer: no key with kid nope');
  });

  it('setExtraJwks appends raw entries after the keys and replaces earlier extras', async () => {
    const issuer = await issuerFor({ algorithms: ['ES256'] });
    const enc: JWK = { kty: 'RSA', kid: 'enc-1', use: 'enc', alg: 'RSA-OAEP', n: 'AQAB', e: 'AQAB' };
    const oct: JWK = { kty: 'oct', kid: 'hmac-1', k: 'c2VjcmV0' };
    issuer.setExtraJwks([enc, oct]);
    expect((await jwksOf(issuer)).keys).toEqual([issuer.keys[0]?.publicJwk, enc, oct]);
    issuer.setExtraJwks([oct]);
    expect((await jwksOf(issuer)).keys).toEqual([issuer.keys[0]?.publicJwk, oct]);
    issuer.setExtraJwks([]);
    expect((await jwksOf(issuer)).keys).toEqual([issuer.keys[0]?.publicJwk]);
  });
});

describe('request counts', () => {
  it('counts jwks, discovery and total (unknown paths and other methods only in total); resetRequests zeroes them', async () => {
    const issuer = await issuerFor({ algorithms: ['ES256'], path: '/t' });
    const origin = originOf(issuer);
    expect(issuer.requests).toEqual({ jwks: 0, discovery: 0, token: 0, introspection: 0, total: 0 });
    await getJson(issuer.jwksUri);
    await getJson(issuer.jwksUri);
    await getJson(`${origin}/.well-known/oauth-authorization-server/t`);
    await getJson(`${origin}/t/.well-known/openid-configuration`);
    await getJson(`${origin}/t/.well-known/openid-configuration?x=1`);
    expect(issuer.requests).toEqual({ jwks: 2, discovery: 3, token: 0, introspection: 0, total: 5 });

    const unknown = await getJson(`${origin}/nope`);
    expect(unknown).toMatchObject({ status: 404, body: { error: 'not_found' } });
    const post = await getJson(issuer.jwksUri, { method: 'POST', body: '{}' });
    expect(post.status).toBe(404);
    expect(issuer.requests).toEqual({ jwks: 2, discovery: 3, token: 0, introspection: 0, total: 7 });

    const counts = issuer.requests;
    issuer.resetRequests();
    expect(issuer.requests).toEqual({ jwks: 0, discovery: 0, token: 0, introspection: 0, total: 0 });
    await getJson(issuer.jwksUri);
    // The counts object stays live after a reset.
    expect(counts).toEqual({ jwks: 1, discovery: 0, token: 0, introspection: 0, total: 1 });
    expect(issuer.requests).toEqual({ jwks: 1, discovery: 0, token: 0, introspection: 0, total: 1 });
  });
});

describe('unsafe tokens', () => {
  it('algNone(): header alg none, default claims, empty signature, rejected by jose', async () => {
    const token = shared.unsafe.algNone({ scope: 'admin' });
    const [header, payload, signature] = parts(token);
    expect(token.endsWith('.')).toBe(true);
    expect(signature).toBe('');
    expect(decodePart(header)).toEqual({ typ: 'at+jwt', kid: shared.keys[0]?.kid, alg: 'none' });
    expect(decodePart(payload)).toMatchObject({ iss: shared.issuer, aud: shared.audience, sub: 'client-123', scope: 'admin' });
    expect(decodePart(payload).jti).toMatch(UUID);
    // A header override cannot change alg away from none.
    expect(decodePart(parts(shared.unsafe.algNone({}, { alg: 'RS256', typ: 'JWT' }))[0])).toEqual({
      typ: 'JWT',
      kid: shared.keys[0]?.kid,
      alg: 'none',
    });
    await expect(jwtVerify(token, createLocalJWKSet(await jwksOf(shared)))).rejects.toThrow();
  });

  it('hmacWithPublicKey(): an HS256 token keyed with the RSA public key PEM (the real key-confusion forgery)', async () => {
    const rsa = shared.keys.find((key) => key.alg === 'RS256');
    if (!rsa) throw new Error('no RSA key');
    const token = shared.unsafe.hmacWithPublicKey({ scope: 'admin' });
    const [header, payload, signature] = parts(token);
    expect(decodePart(header)).toEqual({ typ: 'at+jwt', kid: rsa.kid, alg: 'HS256' });
    expect(decodePart(payload)).toMatchObject({ iss: shared.issuer, aud: shared.audience, scope: 'admin' });

    // The PEM is derived independently, from the JWK the issuer publishes.
    const pem = createPublicKey({ key: rsa.publicJwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString();
    expect(pem.startsWith('-----BEGIN PUBLIC KEY-----\n')).toBe(true);
    expect(signature).toBe(createHmac('sha256', pem).update(`${header}.${payload}`).digest('base64url'));
    expect(signature).not.toBe(createHmac('sha256', 'other').update(`${header}.${payload}`).digest('base64url'));
    // A verifier that took the PEM as an HMAC secret would accept it.
    await expect(jwtVerify(token, new TextEncoder().encode(pem), { algorithms: ['HS256'] })).resolves.toBeDefined();
    // An asymmetric verifier does not.
    await expect(jwtVerify(token, createLocalJWKSet(await jwksOf(shared)))).rejects.toThrow();

    expect(decodePart(parts(shared.unsafe.hmacWithPublicKey({}, { kid: 'chosen', alg: 'RS256' }))[0])).toEqual({
      typ: 'at+jwt',
      kid: 'chosen',
      alg: 'HS256',
    });
  });

  it('hmacWithPublicKey() uses a PS key when there is no RS key, and needs an RSA key', async () => {
    const ps = await issuerFor({ algorithms: ['ES256', 'PS256'] });
    const token = ps.unsafe.hmacWithPublicKey();
    const [header, payload, signature] = parts(token);
    const psKey = ps.keys[1];
    if (!psKey) throw new Error('no PS key');
    expect(decodePart(header).kid).toBe(psKey.kid);
    const pem = createPublicKey({ key: psKey.publicJwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString();
    expect(signature).toBe(createHmac('sha256', pem).update(`${header}.${payload}`).digest('base64url'));

    const ec = await issuerFor({ algorithms: ['ES256'] });
    expect(() => ec.unsafe.hmacWithPublicKey()).toThrow('test issuer: hmacWithPublicKey needs an RSA key');
  });
});

describe('close()', () => {
  const connectionError = (port: number): Promise<string> => connectionResult('127.0.0.1', port);

  it('frees the port: a new connection is refused', async () => {
    const issuer = await createTestIssuer({ algorithms: ['ES256'] });
    const port = Number(new URL(issuer.issuer).port);
    expect((await getJson(issuer.jwksUri)).status).toBe(200);
    expect(await connectionError(port)).toBe('connected');
    await issuer.close();
    expect(await connectionError(port)).toBe('ECONNREFUSED');
    await expect(fetch(issuer.jwksUri, { signal: AbortSignal.timeout(2000) })).rejects.toThrow();
  });

  it('resolves promptly while a slow response is pending, and the pending request fails', async () => {
    const issuer = await createTestIssuer({ algorithms: ['ES256'] });
    issuer.setFault({ kind: 'slow', delayMs: 10_000 });
    const pending = fetch(issuer.jwksUri, { signal: AbortSignal.timeout(8000) }).then(
      () => ({ outcome: 'responded', at: performance.now() }),
      () => ({ outcome: 'failed', at: performance.now() }),
    );
    const deadline = Date.now() + 2000;
    while (issuer.requests.jwks === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(issuer.requests.jwks).toBe(1);
    const started = performance.now();
    await issuer.close();
    expect(performance.now() - started).toBeLessThan(1000);
    // The held response is dropped at once, not sent when the delay ends.
    const settled = await pending;
    expect(settled.outcome).toBe('failed');
    expect(settled.at - started).toBeLessThan(1000);
  });
});
