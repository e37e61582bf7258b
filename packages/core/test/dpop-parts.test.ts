// The parts of the DPoP check on their own: htu normalization, RFC 7638 thumbprints, proof keys, nonces, challenges.
import { calculateJwkThumbprint } from 'jose';
import { createDpopKey } from '@tollgate/testing';
import { describe, expect, it } from 'vitest';
import { expectedHtu, normalizeHtu } from '../src/lib/dpop/htu.js';
import { requestUrlFrom } from '../src/lib/request-url.js';
import { importProofKey, jwkThumbprint, ProofKeyCache } from '../src/lib/dpop/proof-key.js';
import { createNonces } from '../src/lib/dpop/nonces.js';
import { dpopToken, usesDpopScheme } from '../src/lib/dpop/read-dpop-request.js';
import { renderChallenges } from '../src/lib/challenge.js';

describe('normalizeHtu', () => {
  it.each([
    ['HTTPS://API.EXAMPLE.COM/Orders', 'https://api.example.com/Orders'],
    ['https://api.example.com:443/a', 'https://api.example.com/a'],
    ['http://api.example.com:80/a', 'http://api.example.com/a'],
    ['https://api.example.com:8443/a', 'https://api.example.com:8443/a'],
    ['https://api.example.com', 'https://api.example.com/'],
    ['https://api.example.com/a?b=1#c', 'https://api.example.com/a'],
    ['https://api.example.com/%7euser/%2f%c3%a9', 'https://api.example.com/~user/%2F%C3%A9'],
  ])('%s -> %s', (input, output) => {
    expect(normalizeHtu(input)).toBe(output);
  });

  it.each(['/relative', 'ftp://x.example/a', 'https://user:pass@x.example/a', 'not a url', 'javascript:alert(1)'])('refuses %s', (input) => {
    expect(normalizeHtu(input)).toBeUndefined();
  });

  it('keeps the path as is, case included', () => {
    expect(normalizeHtu('https://x.example/A/b')).not.toBe(normalizeHtu('https://x.example/a/b'));
  });

  it('with a public base URL, joins it to the request path, never to a host the path names', () => {
    expect(expectedHtu('/orders?x=1', 'https://api.example.com/v1')).toBe('https://api.example.com/v1/orders');
    expect(expectedHtu('//evil.example/x', 'https://api.example.com')).toBe('https://api.example.com//evil.example/x');
    expect(expectedHtu('http://internal:8080/orders', 'https://api.example.com')).toBe('https://api.example.com/orders');
    expect(expectedHtu('/orders', undefined)).toBeUndefined();
    expect(expectedHtu(undefined, 'https://api.example.com')).toBeUndefined();
  });

  // Review of issue 12, F5: routers serve `/files/..` as a file named `..`; a URL parser resolves it to `/`.
  it('knows no htu for a request path with a dot segment or a backslash, rather than resolving it', () => {
    for (const path of ['/files/..', '/files/.', '/files/%2e%2e', '/files/%2E./x', '/a/../b', '/a\\b']) {
      expect(expectedHtu(path, 'https://api.example.com'), path).toBeUndefined();
      expect(expectedHtu(`https://api.example.com${path}`, undefined), path).toBeUndefined();
    }
    expect(expectedHtu('/files/..x', 'https://api.example.com')).toBe('https://api.example.com/files/..x');
    expect(expectedHtu('https://API.example.com:443/a%7eb?q#f', undefined)).toBe('https://api.example.com/a~b');
    expect(expectedHtu('https://api.example.com?q', undefined)).toBe('https://api.example.com/');
    expect(expectedHtu('https://user@api.example.com/a', undefined)).toBeUndefined();
  });
});

// Review of issue 12, F1 and F2: a Host or forwarded header with `/`, `?` or `#` in it redrew the path.
describe('requestUrlFrom', () => {
  it('joins a checked scheme, host and origin-form target', () => {
    expect(requestUrlFrom('https', 'api.example.com', '/orders?x=1')).toBe('https://api.example.com/orders?x=1');
    expect(requestUrlFrom('HTTP:', '127.0.0.1:8080', '/')).toBe('http://127.0.0.1:8080/');
    expect(requestUrlFrom('http', '[::1]:3000', '/a')).toBe('http://[::1]:3000/a');
    expect(requestUrlFrom('http', 'my_service:80', '/a')).toBe('http://my_service:80/a');
  });

  it.each([
    ['a Host with a path', 'http', '127.0.0.1:80/public/status?', '/admin'],
    ['a Host ending in ?', 'http', '127.0.0.1:80?', '/admin'],
    ['a Host ending in #', 'http', 'api.example.com#', '/admin'],
    ['a Host with credentials', 'http', 'user@api.example.com', '/admin'],
    ['a Host with a backslash', 'http', 'api.example.com\\x', '/admin'],
    ['an empty Host', 'http', '', '/admin'],
    ['a port of six digits', 'http', 'api.example.com:123456', '/admin'],
    ['a forwarded scheme with a path', 'https://x/public?', 'api.example.com', '/admin'],
    ['another scheme', 'ftp', 'api.example.com', '/admin'],
    ['an absolute-form target', 'http', 'api.example.com', 'https://other.example/admin'],
    ['an asterisk target', 'http', 'api.example.com', '*'],
    ['no target', 'http', 'api.example.com', undefined],
  ])('knows no URL for %s', (_name, protocol, host, target) => {
    expect(requestUrlFrom(protocol, host, target)).toBeUndefined();
  });
});

describe('proof keys', () => {
  it.each(['ES256', 'ES384', 'ES512', 'RS256', 'PS256', 'EdDSA'] as const)('%s: the RFC 7638 thumbprint matches jose', async (alg) => {
    const key = await createDpopKey(alg);
    const expected = await calculateJwkThumbprint(key.publicJwk, 'sha256');
    expect(jwkThumbprint(key.publicJwk as Record<string, unknown>)).toBe(expected);
    const imported = importProofKey({ ...key.publicJwk, kid: 'ignored', alg }, alg === 'EdDSA' ? 'EdDSA' : alg);
    expect(typeof imported === 'object' && imported.jkt).toBe(expected);
  });

  it('the RFC 7638 section 3.1 example', () => {
    const jwk = {
      kty: 'RSA',
      n: '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
      e: 'AQAB',
      alg: 'RS256',
      kid: '2011-04-29',
    };
    expect(jwkThumbprint(jwk)).toBe('NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
  });

  it('refuses private members, symmetric keys, and keys that do not fit the algorithm', async () => {
    const key = await createDpopKey('ES256');
    expect(importProofKey(key.privateJwk, 'ES256')).toBe('private');
    expect(importProofKey({ ...key.publicJwk, d: undefined }, 'ES256')).toBe('private');
    expect(importProofKey({ kty: 'oct', k: 'AAAA' }, 'ES256')).toBe('private');
    expect(importProofKey(key.publicJwk, 'ES384')).toBe('unusable');
    expect(importProofKey(key.publicJwk, 'RS256')).toBe('unusable');
    expect(importProofKey({ ...key.publicJwk, x: 'AAAA' }, 'ES256')).toBe('unusable');
    expect(importProofKey('jwk', 'ES256')).toBe('unusable');
    expect(importProofKey([key.publicJwk], 'ES256')).toBe('unusable');
  });
});

describe('ProofKeyCache', () => {
  it('imports a client key once, and holds at most maxEntries keys', async () => {
    const cache = new ProofKeyCache(2);
    const [a, b, c] = await Promise.all([createDpopKey(), createDpopKey(), createDpopKey()]);
    const first = importProofKey(a.publicJwk, 'ES256', cache);
    const again = importProofKey({ ...a.publicJwk }, 'ES256', cache);
    expect(typeof first === 'object' && typeof again === 'object' && first.key === again.key).toBe(true);
    importProofKey(b.publicJwk, 'ES256', cache);
    importProofKey(c.publicJwk, 'ES256', cache);
    expect(cache.get(a.jkt)).toBeUndefined();
    expect(cache.get(c.jkt)).toBeDefined();
    // A cached key never lets a private member, or a key that does not fit the alg, through.
    expect(importProofKey({ ...c.publicJwk, d: 'x' }, 'ES256', cache)).toBe('private');
    expect(importProofKey(c.publicJwk, 'ES384', cache)).toBe('unusable');
  });
});

describe('nonces', () => {
  it('are accepted within their lifetime, by any holder of the secret, and never after', () => {
    let ms = 1_700_000_000_000;
    const now = () => ms;
    const a = createNonces(['s'.repeat(32)], 60, now);
    const b = createNonces(['t'.repeat(32), 's'.repeat(32)], 60, now);
    const nonce = a.issue();
    expect(a.issue()).not.toBe(nonce);
    expect([a.accepts(nonce), b.accepts(nonce), b.accepts(b.issue()), a.accepts(b.issue())]).toEqual([true, true, true, false]);
    ms += 60_000;
    expect(a.accepts(nonce)).toBe(true);
    ms += 1;
    expect(a.accepts(nonce)).toBe(false);
  });

  it('refuses a nonce from the future beyond a few seconds of skew', () => {
    let ms = 1_700_000_000_000;
    const nonces = createNonces(['s'.repeat(32)], 60, () => ms);
    const nonce = nonces.issue();
    ms -= 10_000;
    expect(nonces.accepts(nonce)).toBe(false);
  });
});

describe('the DPoP scheme', () => {
  it.each([
    ['DPoP abc', true],
    ['dpop abc', true],
    ['  DPOP abc', true],
    ['DPoP', true],
    ['DPoPx abc', false],
    ['Bearer abc', false],
    ['Dpo abc', false],
  ])('%s uses the DPoP scheme: %s', (value, uses) => {
    expect(usesDpopScheme(value)).toBe(uses);
  });

  it('reads DPoP 1*SP token68, and nothing else', () => {
    expect(dpopToken('DPoP   a.b.c')).toBe('a.b.c');
    expect(dpopToken('DPoP a b')).toBeUndefined();
    expect(dpopToken('DPoP')).toBeUndefined();
    expect(dpopToken('DPoP a,b')).toBeUndefined();
  });
});

describe('renderChallenges', () => {
  const algs = ['ES256', 'EdDSA'];
  it('puts the error on the scheme the request used, and leaves Bearer out when DPoP is required', () => {
    const params = { realm: 'api', error: 'invalid_token', errorDescription: 'token expired' };
    expect(renderChallenges(params, { algs, required: false, onDpop: false })).toBe(
      'Bearer realm="api", error="invalid_token", error_description="token expired", DPoP realm="api", algs="ES256 EdDSA"',
    );
    expect(renderChallenges(params, { algs, required: false, onDpop: true })).toBe(
      'Bearer realm="api", DPoP realm="api", error="invalid_token", error_description="token expired", algs="ES256 EdDSA"',
    );
    expect(renderChallenges(params, { algs, required: true, onDpop: false })).toBe('DPoP realm="api", error="invalid_token", error_description="token expired", algs="ES256 EdDSA"');
    expect(renderChallenges({}, { algs, required: false, onDpop: false })).toBe('Bearer, DPoP algs="ES256 EdDSA"');
  });
});
