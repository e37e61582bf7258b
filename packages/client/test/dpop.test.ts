// @tollgate/client with dpop against the test issuer's token endpoint: a proof per token request, DPoP-bound
// tokens, the nonce dance in one extra round trip, token_type checked both ways, the dpop option failing closed.
import { createHash, createSecretKey, generateKeyPairSync } from 'node:crypto';
import { TollgateConfigError } from '@tollgate/core';
import { createTestIssuer, type TestIssuer } from '@tollgate/testing';
import { decodeJwt, decodeProtectedHeader, generateKeyPair } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTokenClient, TokenRequestError, type TokenClientOptions } from '../src/index.js';

let issuer: TestIssuer;
let nonceIssuer: TestIssuer;
const clients = [{ clientId: 'billing', clientSecret: 'billing-secret', scopes: ['orders:read', 'orders:write'] }];

beforeAll(async () => {
  issuer = await createTestIssuer({ algorithms: ['ES256'], clients });
  nonceIssuer = await createTestIssuer({ algorithms: ['ES256'], clients, dpopNonce: true });
});
afterEach(() => {
  issuer.resetRequests();
  nonceIssuer.resetRequests();
  issuer.setFault(null);
});
afterAll(async () => {
  await issuer?.close();
  await nonceIssuer?.close();
});

/** A client of `target` whose token requests are recorded (their DPoP headers). */
function clientOf(target: TestIssuer, extra: Partial<TokenClientOptions> = {}) {
  const proofs: (string | null)[] = [];
  const recording: typeof fetch = (input, init) => {
    proofs.push(new Headers(init?.headers).get('dpop'));
    return fetch(input, init);
  };
  const client = createTokenClient({
    tokenEndpoint: target.tokenEndpoint,
    clientId: 'billing',
    auth: { secret: 'billing-secret' },
    allowInsecureRequests: true,
    retries: 0,
    fetch: recording,
    dpop: true,
    ...extra,
  });
  return { client, proofs };
}

describe('createTokenClient with dpop', () => {
  it('sends a proof of POST to the token endpoint and gets a token bound to its key, of type DPoP', async () => {
    const { client, proofs } = clientOf(issuer);
    const details = await client.getTokenDetails();
    expect(details.tokenType).toBe('DPoP');
    expect(client.dpopKey).toMatchObject({ alg: 'ES256', jwk: { kty: 'EC', crv: 'P-256' } });
    expect(client.dpopKey!.jwk).not.toHaveProperty('d');
    expect(decodeJwt(details.accessToken).cnf).toEqual({ jkt: client.dpopKey!.jkt });
    expect(proofs).toHaveLength(1);
    expect(decodeProtectedHeader(proofs[0]!)).toMatchObject({ typ: 'dpop+jwt', alg: 'ES256', jwk: client.dpopKey!.jwk });
    const claims = decodeJwt(proofs[0]!);
    expect(claims).toMatchObject({ htm: 'POST', htu: issuer.tokenEndpoint });
    expect(claims.ath).toBeUndefined();
    expect(Math.abs(claims.iat! - Date.now() / 1000)).toBeLessThan(5);
    // Cached: no second request.
    expect(await client.getToken()).toBe(details.accessToken);
    expect(issuer.requests.token).toBe(1);
  });

  it('without dpop, tokens are Bearer and no proof is sent', async () => {
    const { client, proofs } = clientOf(issuer, { dpop: false });
    expect((await client.getTokenDetails()).tokenType).toBe('Bearer');
    expect(proofs).toEqual([null]);
    expect(client.dpopKey).toBeUndefined();
    expect(() => client.dpopProof('GET', 'http://127.0.0.1/x')).toThrow(TollgateConfigError);
  });

  it('each client has its own key, and its tokens are bound to it', async () => {
    const a = clientOf(issuer).client;
    const b = clientOf(issuer).client;
    expect(a.dpopKey!.jkt).not.toBe(b.dpopKey!.jkt);
    expect(decodeJwt(await a.getToken()).cnf).toEqual({ jkt: a.dpopKey!.jkt });
    expect(decodeJwt(await b.getToken()).cnf).toEqual({ jkt: b.dpopKey!.jkt });
  });

  it('use_dpop_nonce at the token endpoint: one extra round trip, the nonce remembered for later requests', async () => {
    const { client, proofs } = clientOf(nonceIssuer);
    // Concurrent callers share the one request and its one nonce retry.
    const tokens = await Promise.all(Array.from({ length: 20 }, () => client.getToken()));
    expect(new Set(tokens).size).toBe(1);
    expect(nonceIssuer.requests.token).toBe(2);
    expect(decodeJwt(proofs[0]!).nonce).toBeUndefined();
    const nonce = decodeJwt(proofs[1]!).nonce;
    expect(typeof nonce).toBe('string');
    // A new token for other scopes: the remembered nonce goes with the first request.
    await client.getToken({ scopes: ['orders:write'] });
    expect(nonceIssuer.requests.token).toBe(3);
    expect(decodeJwt(proofs[2]!).nonce).toBe(nonce);
    // The server rotates its nonce: again one extra round trip, never more.
    nonceIssuer.rotateDpopNonce();
    client.clear();
    await client.getToken();
    expect(nonceIssuer.requests.token).toBe(5);
  });

  it('a server that asks for a nonce again after it was given one is an error, not a loop', async () => {
    issuer.setFault({ kind: 'respond', status: 400, body: { error: 'use_dpop_nonce' }, headers: { 'dpop-nonce': 'always-the-same' } }, 'token');
    const { client } = clientOf(issuer);
    const error = (await client.getToken().catch((caught: unknown) => caught)) as TokenRequestError;
    expect(error).toBeInstanceOf(TokenRequestError);
    expect(error).toMatchObject({ failure: 'rejected', error: 'use_dpop_nonce' });
    expect(issuer.requests.token).toBe(2);
  });

  it('use_dpop_nonce without a DPoP-Nonce header is refused at once', async () => {
    issuer.setFault({ kind: 'respond', status: 400, body: { error: 'use_dpop_nonce' } }, 'token');
    const { client } = clientOf(issuer);
    await expect(client.getToken()).rejects.toMatchObject({ failure: 'rejected', error: 'use_dpop_nonce' });
    expect(issuer.requests.token).toBe(1);
  });

  it('refuses a Bearer token when DPoP was asked for, and says why; nothing is cached', async () => {
    issuer.setFault({ kind: 'respond', body: { access_token: 'abc', token_type: 'Bearer', expires_in: 300 } }, 'token', 1);
    const { client } = clientOf(issuer);
    const error = (await client.getToken().catch((caught: unknown) => caught)) as TokenRequestError;
    expect(error).toMatchObject({ failure: 'invalid_response' });
    expect(error.message).toMatch(/ignored the DPoP proof.*not bound/);
    // The fault is spent: the next call asks again and gets a bound token.
    expect((await client.getTokenDetails()).tokenType).toBe('DPoP');
  });

  it('refuses a DPoP token when DPoP was not asked for, and says why', async () => {
    issuer.setFault({ kind: 'respond', body: { access_token: 'abc', token_type: 'DPoP', expires_in: 300 } }, 'token', 1);
    const { client } = clientOf(issuer, { dpop: false });
    const error = (await client.getToken().catch((caught: unknown) => caught)) as TokenRequestError;
    expect(error).toMatchObject({ failure: 'invalid_response' });
    expect(error.message).toMatch(/did not ask for a DPoP-bound token; set the dpop option/);
  });

  it('accepts token_type in any case (RFC 6749 section 7.1)', async () => {
    issuer.setFault({ kind: 'respond', body: { access_token: 'abc', token_type: 'dpop', expires_in: 300 } }, 'token', 1);
    expect((await clientOf(issuer).client.getTokenDetails()).tokenType).toBe('DPoP');
  });

  it('dpopProof: htm, htu without query and fragment, ath of the token, the origin nonce; a fresh jti each time', async () => {
    const { client } = clientOf(issuer);
    const token = await client.getToken();
    const url = 'https://orders.example.com/orders/42?expand=lines#top';
    const proof = decodeJwt(client.dpopProof('patch', url, token));
    expect(proof).toMatchObject({ htm: 'patch', htu: 'https://orders.example.com/orders/42' });
    expect(decodeJwt(client.dpopProof('get', url)).htm).toBe('GET');
    expect(proof.ath).toBe(createHashBase64url(token));
    expect(proof.nonce).toBeUndefined();
    expect(client.rememberDpopNonce(url, new Headers({ 'dpop-nonce': 'n-1' }))).toBe(true);
    expect(client.rememberDpopNonce(url, 'n-1')).toBe(false);
    expect(client.rememberDpopNonce(url, 'bad nonce "quoted"')).toBe(false);
    const again = decodeJwt(client.dpopProof('GET', 'https://orders.example.com/other'));
    expect(again.nonce).toBe('n-1');
    expect(again.jti).not.toBe(proof.jti);
    expect(decodeJwt(client.dpopProof('GET', 'https://billing.example.com/')).nonce).toBeUndefined();
    expect(() => client.dpopProof('GET', 'http://orders.example.com/')).toThrow(/https/);
    expect(() => client.dpopProof('GET /x', 'https://orders.example.com/')).toThrow(/method/);
  });

  it('authorizationHeaders: DPoP scheme and a proof with ath; Bearer without dpop', async () => {
    const { client } = clientOf(issuer);
    const headers = await client.authorizationHeaders('POST', 'https://orders.example.com/orders');
    const token = headers.authorization!.replace(/^DPoP /, '');
    expect(headers.authorization).toBe(`DPoP ${await client.getToken()}`);
    expect(decodeJwt(headers.dpop!)).toMatchObject({ htm: 'POST', htu: 'https://orders.example.com/orders', ath: createHashBase64url(token) });
    const bearer = clientOf(issuer, { dpop: false }).client;
    expect(await bearer.authorizationHeaders('GET', 'https://orders.example.com/')).toEqual({ authorization: `Bearer ${await bearer.getToken()}` });
  });
});

describe('the dpop option', () => {
  const base = { tokenEndpoint: 'https://auth.example.com/token', clientId: 'billing', auth: { secret: 's' } } as const;
  const problem = (dpop: unknown) => {
    try {
      createTokenClient({ ...base, dpop } as TokenClientOptions);
      return undefined;
    } catch (error) {
      expect(error).toBeInstanceOf(TollgateConfigError);
      return (error as Error).message;
    }
  };

  it.each<[string, unknown, RegExp]>([
    ['a string', 'yes', /dpop: expected true, false or \{ key\?, alg\? \}/],
    ['null', null, /dpop: expected true, false or/],
    ['an unknown member (typo)', { algorithm: 'ES256' }, /dpop/],
    ['a symmetric alg', { alg: 'HS256' }, /dpop\.alg: expected one of ES256/],
    ['alg none', { alg: 'none' }, /dpop\.alg/],
    ['a public key', { key: generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey }, /dpop\.key: must be a private key/],
    ['a secret key', { key: createSecretKey(Buffer.alloc(32)) }, /dpop\.key/],
    ['an RSA key of 1024 bits', { key: generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey }, /dpop\.key: an RSA key needs at least 2048 bits/],
    ['a key that does not fit alg', { key: generateKeyPairSync('ed25519').privateKey, alg: 'ES256' }, /dpop\.key: a ed25519 key cannot sign ES256/],
    ['a public JWK', { key: generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' }) }, /dpop\.key: must be a private key/],
    ['a number as key', { key: 42 }, /dpop\.key/],
  ])('refuses %s at startup', (_name, dpop, message) => {
    expect(problem(dpop)).toMatch(message);
  });

  it('takes a generated key for alg, a KeyObject, a private JWK, a CryptoKey and a CryptoKeyPair', async () => {
    const ec384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey;
    const pair = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const cases: [unknown, string, string][] = [
      [true, 'ES256', 'EC'],
      [{ alg: 'EdDSA' }, 'EdDSA', 'OKP'],
      [{ key: 'generate', alg: 'PS256' }, 'PS256', 'RSA'],
      [{ key: ec384 }, 'ES384', 'EC'],
      [{ key: ec384.export({ format: 'jwk' }) }, 'ES384', 'EC'],
      [{ key: pair.privateKey }, 'EdDSA', 'OKP'],
      [{ key: pair }, 'EdDSA', 'OKP'],
      [{ key: rsa }, 'PS256', 'RSA'],
      [{ key: rsa, alg: 'RS256' }, 'RS256', 'RSA'],
    ];
    for (const [dpop, alg, kty] of cases) {
      const client = createTokenClient({ ...base, dpop } as TokenClientOptions);
      expect(client.dpopKey).toMatchObject({ alg, jwk: { kty } });
    }
  });

  it('a given key gives the same thumbprint in every client, and proofs the issuer accepts for each algorithm', async () => {
    const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const a = createTokenClient({ ...base, dpop: { key } });
    const b = createTokenClient({ ...base, dpop: { key: key.export({ format: 'jwk' }) } });
    expect(a.dpopKey!.jkt).toBe(b.dpopKey!.jkt);
    for (const alg of ['ES256', 'ES384', 'ES512', 'PS256', 'RS256', 'EdDSA'] as const) {
      const { client } = clientOf(issuer, { dpop: { alg } });
      expect(decodeJwt(await client.getToken()).cnf).toEqual({ jkt: client.dpopKey!.jkt });
    }
  });
});

function createHashBase64url(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}
