// Discovery of jwks_uri (RFC 8414, then OpenID Connect Discovery), its URL policy, and header-named URLs
// (jku, x5u, jwk) that must never be fetched or trusted.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { SignJWT } from 'jose';
import { createSigningKey, createTestIssuer, type TestIssuer, type TestIssuerOptions } from '@tollgate/testing';
import { createVerifier, InvalidTokenError, JwksUnavailableError, TollgateConfigError } from '../src/index.js';
import { discoverJwksUri, metadataUrls } from '../src/lib/discovery.js';
import { FetchJsonError } from '../src/lib/fetch-json.js';
import { checkUrl } from '../src/lib/url-policy.js';
import { rejectionOf, startServer, type LocalServer } from './support/jwks-support.js';

const issuers: TestIssuer[] = [];
async function issuerWith(options: TestIssuerOptions = {}): Promise<TestIssuer> {
  const issuer = await createTestIssuer({ algorithms: ['ES256'], ...options });
  issuers.push(issuer);
  return issuer;
}
afterEach(async () => {
  await Promise.all(issuers.splice(0).map((issuer) => issuer.close()));
});

const verifierFor = (issuer: TestIssuer, extra: { jwksUri?: string } = {}) =>
  createVerifier({ issuer: issuer.issuer, audience: issuer.audience, allowInsecureRequests: true, ...extra });

describe('metadataUrls', () => {
  it.each([
    ['https://auth.example.com', 'https://auth.example.com/.well-known/oauth-authorization-server', 'https://auth.example.com/.well-known/openid-configuration'],
    ['https://auth.example.com/', 'https://auth.example.com/.well-known/oauth-authorization-server', 'https://auth.example.com/.well-known/openid-configuration'],
    [
      'https://auth.example.com/tenant-a',
      'https://auth.example.com/.well-known/oauth-authorization-server/tenant-a',
      'https://auth.example.com/tenant-a/.well-known/openid-configuration',
    ],
    [
      'https://auth.example.com/realms/main/',
      'https://auth.example.com/.well-known/oauth-authorization-server/realms/main',
      'https://auth.example.com/realms/main/.well-known/openid-configuration',
    ],
    [
      'http://127.0.0.1:8080/issuer1',
      'http://127.0.0.1:8080/.well-known/oauth-authorization-server/issuer1',
      'http://127.0.0.1:8080/issuer1/.well-known/openid-configuration',
    ],
  ])('%s → RFC 8414 %s, then OIDC %s', (issuer, oauth, oidc) => {
    expect(metadataUrls(issuer)).toEqual([oauth, oidc]);
  });
});

describe('discovery against the test issuer', () => {
  it.each([
    { discovery: 'both', path: undefined, discoveryRequests: 1, total: 2 },
    { discovery: 'both', path: '/tenant-a', discoveryRequests: 1, total: 2 },
    { discovery: 'oauth', path: undefined, discoveryRequests: 1, total: 2 },
    { discovery: 'oauth', path: '/tenant-a', discoveryRequests: 1, total: 2 },
    // RFC 8414 document absent: a 404 (not counted as discovery), then the OpenID configuration.
    { discovery: 'oidc', path: undefined, discoveryRequests: 1, total: 3 },
    { discovery: 'oidc', path: '/tenant-a', discoveryRequests: 1, total: 3 },
  ] as const)('discovery: $discovery, path: $path → verifies with $total requests', async ({ discovery, path, discoveryRequests, total }) => {
    const issuer = await issuerWith({ discovery, ...(path ? { path } : {}) });
    const token = await issuer.sign({ sub: 'discovered' });
    expect((await verifierFor(issuer).verify(token)).subject).toBe('discovered');
    expect(issuer.requests.discovery).toBe(discoveryRequests);
    expect(issuer.requests.jwks).toBe(1);
    expect(issuer.requests.total).toBe(total);
  });

  it('discoverJwksUri returns the jwks_uri of an issuer with a path, from either document', async () => {
    for (const discovery of ['oauth', 'oidc'] as const) {
      const issuer = await issuerWith({ discovery, path: '/t/x' });
      const found = await discoverJwksUri(issuer.issuer, {
        fetch: globalThis.fetch,
        timeoutSeconds: 2,
        maxBytes: 65536,
        checkUrl: (url) => checkUrl('jwks_uri', url, true),
      });
      expect(found).toBe(issuer.jwksUri);
      expect(found.endsWith('/t/x/.well-known/jwks.json')).toBe(true);
    }
  });

  it('with no metadata at all: 503, and the JWKS is never requested', async () => {
    const issuer = await issuerWith({ discovery: 'none' });
    const error = await rejectionOf(verifierFor(issuer).verify(await issuer.sign()));
    expect(error).toBeInstanceOf(JwksUnavailableError);
    expect(issuer.requests.jwks).toBe(0);
    expect(issuer.requests.total).toBe(2);
    expect(((error as JwksUnavailableError).cause as Error).message).toContain(`discovery failed for ${issuer.issuer}`);
  });

  it('the discovered document is read again when the keys are refreshed and it is older than cacheMaxAge, not per token or per unknown-kid refetch', async () => {
    const issuer = await issuerWith();
    let now = Date.now();
    const verifier = createVerifier({
      issuer: issuer.issuer,
      audience: issuer.audience,
      allowInsecureRequests: true,
      now: () => now,
      jwks: { cacheMaxAge: 60 },
    });
    const seconds = () => Math.floor(now / 1000);
    await verifier.verify(await issuer.sign({}, { now: seconds() }));
    now += 30_000;
    await verifier.verify(await issuer.sign({}, { now: seconds() }));
    await rejectionOf(verifier.verify(await issuer.sign({}, { header: { kid: 'unknown' }, now: seconds() })));
    expect([issuer.requests.discovery, issuer.requests.jwks]).toEqual([1, 2]);
    now += 61_000; // the keys (refetched for the unknown kid) are 61 s old: refreshed, and the metadata read again first
    await verifier.verify(await issuer.sign({}, { now: seconds() }));
    await vi.waitFor(() => expect([issuer.requests.discovery, issuer.requests.jwks]).toEqual([2, 3]));
  });
});

describe('a discovered issuer that differs from the configured one', () => {
  it('is refused with 503, and its keys are never used', async () => {
    // The JWKS served by this issuer holds exactly the key that signed the token.
    const issuer = await issuerWith({ advertisedIssuer: 'https://evil.example' });
    const token = await issuer.sign();
    const error = await rejectionOf(verifierFor(issuer).verify(token));
    expect(error).toBeInstanceOf(JwksUnavailableError);
    expect((error as JwksUnavailableError).status).toBe(503);
    expect((error as JwksUnavailableError).message).toBe('signing keys are temporarily unavailable');
    expect(((error as JwksUnavailableError).cause as Error).message).toContain('names issuer "https://evil.example"');
    expect(issuer.requests.discovery).toBe(1);
    expect(issuer.requests.jwks).toBe(0);
  });

  it('a trailing slash counts as a difference (exact match, RFC 8414 section 3.3)', async () => {
    const issuer = await issuerWith({ path: '/tenant' });
    const configured = `${issuer.issuer}/`; // the document says `${issuer.issuer}`
    const verifier = createVerifier({ issuer: configured, audience: issuer.audience, allowInsecureRequests: true });
    const error = await rejectionOf(verifier.verify(await issuer.sign({ iss: configured })));
    expect(error).toBeInstanceOf(JwksUnavailableError);
    expect(issuer.requests.discovery).toBe(1);
    expect(issuer.requests.jwks).toBe(0);
  });
});

describe('the URL policy for a discovered jwks_uri', () => {
  it('an http jwks_uri is refused without allowInsecureRequests, accepted with it', async () => {
    const issuer = await issuerWith();
    const options = { fetch: globalThis.fetch, timeoutSeconds: 2, maxBytes: 65536 };
    const error = await rejectionOf(
      discoverJwksUri(issuer.issuer, { ...options, checkUrl: (url) => checkUrl('jwks_uri', url, false) }),
    );
    expect(error).toBeInstanceOf(FetchJsonError);
    expect((error as Error).message).toContain(`jwks_uri: '${issuer.jwksUri}' is not https; for local development set allowInsecureRequests: true`);
    await expect(discoverJwksUri(issuer.issuer, { ...options, checkUrl: (url) => checkUrl('jwks_uri', url, true) })).resolves.toBe(issuer.jwksUri);
    expect(issuer.requests.jwks).toBe(0);
  });

  it('an http issuer itself is refused at configuration time without allowInsecureRequests', async () => {
    const issuer = await issuerWith();
    expect(() => createVerifier({ issuer: issuer.issuer, audience: issuer.audience })).toThrow(TollgateConfigError);
    expect(issuer.requests.total).toBe(0);
  });

  it.each(['http://192.0.2.10/jwks.json', 'ftp://127.0.0.1/jwks.json', 'not a url'])(
    'a discovered jwks_uri %s is refused even with allowInsecureRequests, and never fetched',
    async (jwksUri) => {
      const issuer = await issuerWith({ advertisedJwksUri: jwksUri });
      const error = await rejectionOf(verifierFor(issuer).verify(await issuer.sign()));
      expect(error).toBeInstanceOf(JwksUnavailableError);
      expect(((error as JwksUnavailableError).cause as Error).message).toContain(`jwks_uri: '${jwksUri}'`);
      expect(issuer.requests.jwks).toBe(0);
    },
  );
});

describe('an explicit jwksUri', () => {
  it('skips discovery: 0 discovery requests', async () => {
    const issuer = await issuerWith();
    const token = await issuer.sign({ sub: 'explicit' });
    expect((await verifierFor(issuer, { jwksUri: issuer.jwksUri }).verify(token)).subject).toBe('explicit');
    expect(issuer.requests.discovery).toBe(0);
    expect(issuer.requests.jwks).toBe(1);
    expect(issuer.requests.total).toBe(1);
  });

  it('works for an issuer that publishes no metadata at all', async () => {
    const issuer = await issuerWith({ discovery: 'none' });
    await verifierFor(issuer, { jwksUri: issuer.jwksUri }).verify(await issuer.sign());
    expect(issuer.requests.total).toBe(1);
  });
});

describe('URLs and keys named by the token', () => {
  let attacker: LocalServer;
  let attackerJwks: unknown = { keys: [] };

  beforeAll(async () => {
    attacker = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(attackerJwks));
    });
  });
  afterAll(async () => {
    await attacker.close();
  });

  it('jku and x5u on a valid token are ignored: it verifies, and nothing is requested from them', async () => {
    const issuer = await issuerWith();
    const token = await issuer.sign(
      { sub: 'honest' },
      { header: { jku: `${attacker.origin}/jwks.json`, x5u: `${attacker.origin}/cert.pem` } },
    );
    expect((await verifierFor(issuer).verify(token)).subject).toBe('honest');
    expect(attacker.requests).toEqual([]);
  });

  it('a token signed by a key only the jku server publishes is refused, and the jku is never fetched', async () => {
    const issuer = await issuerWith();
    const forged = await createSigningKey('ES256', 'attacker-key');
    attackerJwks = { keys: [forged.publicJwk] };
    const claims = issuer.defaultClaims();
    const sign = (header: Record<string, unknown>) =>
      new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: forged.kid, typ: 'at+jwt', ...header }).sign(forged.privateKey);
    const verifier = verifierFor(issuer);

    for (const header of [{ jku: `${attacker.origin}/jwks.json` }, { x5u: `${attacker.origin}/cert.pem` }, { jwk: forged.publicJwk }]) {
      const error = await rejectionOf(verifier.verify(await sign(header)));
      expect(error).toBeInstanceOf(InvalidTokenError);
      expect((error as InvalidTokenError).reason).toBe('unknown_key');
    }
    expect(attacker.requests).toEqual([]);
    // Only the issuer's JWKS is consulted: one cold-start fetch that misses the kid starts the cooldown.
    expect(issuer.requests.jwks).toBe(1);
  });

  it('a token with an embedded jwk of the issuer’s own key but an unknown kid is still refused', async () => {
    const issuer = await issuerWith();
    const own = issuer.keys[0]!;
    const token = await issuer.sign({}, { header: { kid: 'embedded', jwk: own.publicJwk } });
    const error = await rejectionOf(verifierFor(issuer).verify(token));
    expect(error).toBeInstanceOf(InvalidTokenError);
    expect((error as InvalidTokenError).reason).toBe('unknown_key');
    expect(attacker.requests).toEqual([]);
  });
});
