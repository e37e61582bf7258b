// Static keys (the `keys` option): no network ever, the remote key rules as startup errors, kid selection,
// several issuers, and the verified-token and rejection caches with a key set that never changes.
import crypto, { createPublicKey, createSecretKey, generateKeyPairSync, KeyObject, randomBytes } from 'node:crypto';
import { createSigningKey, createTestIssuer, tamperSignature, type TestIssuer, type TestSigningKey } from '@tollgate/testing';
import { exportJWK, type JWK } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createVerifier, TollgateConfigError, type VerifierOptions } from '../src/index.js';
import { tokenRefusal } from './support/jwks-support.js';

let issuer: TestIssuer;
let rsa: TestSigningKey;
let ec: TestSigningKey;
let ed: TestSigningKey;
/** Calls of the `fetch` given to every verifier here: any call fails the test. */
let fetchCalls: string[] = [];
const forbiddenFetch: typeof fetch = async (input) => {
  fetchCalls.push(String(input));
  throw new Error('static keys must never fetch');
};

const options = (keys: VerifierOptions['keys'], more: Partial<VerifierOptions> = {}): VerifierOptions => ({
  issuer: issuer.issuer,
  audience: issuer.audience,
  allowInsecureRequests: true,
  fetch: forbiddenFetch,
  keys,
  ...more,
});
const keyObject = (key: TestSigningKey) => KeyObject.from(key.publicKey);
/** The TollgateConfigError message of createVerifier with these options. */
const configError = (input: VerifierOptions): string => {
  try {
    createVerifier(input);
  } catch (error) {
    expect(error).toBeInstanceOf(TollgateConfigError);
    return (error as Error).message;
  }
  throw new Error('expected createVerifier to throw');
};

beforeAll(async () => {
  issuer = await createTestIssuer({ algorithms: ['RS256', 'ES256', 'EdDSA'] });
  [rsa, ec, ed] = issuer.keys as [TestSigningKey, TestSigningKey, TestSigningKey];
});
afterAll(() => issuer.close());
afterEach(() => {
  vi.restoreAllMocks();
  // Every test ends with the proof: nothing was fetched, by the verifier's fetch or from the issuer.
  expect(fetchCalls).toEqual([]);
  expect(issuer.requests.total).toBe(0);
  fetchCalls = [];
});

describe('static keys: verification without any network', () => {
  it('verifies with a JWKS document, an array of JWKs, and KeyObjects', async () => {
    const jwks = { keys: issuer.keys.map((key) => key.publicJwk) };
    for (const keys of [jwks, jwks.keys, issuer.keys.map(keyObject).slice(0, 1)]) {
      const verifier = createVerifier(options(keys));
      const token = await verifier.verify(await issuer.sign({ scope: 'orders:read' }));
      expect(token.scopes).toEqual(['orders:read']);
    }
    const verifier = createVerifier(options(jwks));
    for (const alg of ['ES256', 'EdDSA'] as const) await expect(verifier.verify(await issuer.sign({}, { alg }))).resolves.toMatchObject({ issuer: issuer.issuer });
  });

  it('never calls the global fetch either, when no fetch is given', async () => {
    const globalFetch = vi.spyOn(globalThis, 'fetch');
    const verifier = createVerifier({ issuer: issuer.issuer, audience: issuer.audience, allowInsecureRequests: true, keys: [rsa.publicJwk] });
    await verifier.verify(await issuer.sign());
    await tokenRefusal(verifier.verify(await issuer.sign({}, { header: { kid: 'rotated-away' } })));
    expect(globalFetch).not.toHaveBeenCalled();
  });

  it('refuses an unknown kid at once with 401 invalid_token (nothing to refetch), every time', async () => {
    const verifier = createVerifier(options([rsa.publicJwk, ec.publicJwk]));
    const stranger = await createSigningKey('ES256');
    const issuerWithStranger = await createTestIssuer({ algorithms: ['ES256'] });
    try {
      for (let attempt = 0; attempt < 3; attempt += 1) {
        const token = await issuer.sign({}, { kid: ec.kid, header: { kid: `${stranger.kid}-${attempt}` } });
        const error = await tokenRefusal(verifier.verify(token));
        expect({ status: error.status, code: error.code, reason: error.reason, message: error.message }).toEqual({
          status: 401,
          code: 'invalid_token',
          reason: 'unknown_key',
          message: 'unknown signing key',
        });
      }
      // Signed by a key that is not configured, under a configured kid: a bad signature.
      const forged = await issuerWithStranger.sign({ iss: issuer.issuer, aud: issuer.audience }, { header: { kid: ec.kid } });
      expect((await tokenRefusal(verifier.verify(forged))).reason).toBe('signature');
    } finally {
      await issuerWithStranger.close();
    }
  });

  it('refuses a kid that names a key of another type (key confusion), as with remote keys', async () => {
    const verifier = createVerifier(options([rsa.publicJwk, ec.publicJwk]));
    const token = await issuer.sign({}, { kid: ec.kid, header: { kid: rsa.kid } });
    expect((await tokenRefusal(verifier.verify(token))).reason).toBe('algorithm');
  });

  it('selects by kid among keys of one type, and without kid only when exactly one key fits', async () => {
    const second = await createSigningKey('ES256');
    const verifier = createVerifier(options([ec.publicJwk, second.publicJwk]));
    await expect(verifier.verify(await issuer.sign({}, { kid: ec.kid }))).resolves.toBeDefined();
    const noKid = await issuer.sign({}, { kid: ec.kid, header: { kid: undefined } });
    expect((await tokenRefusal(verifier.verify(noKid))).reason).toBe('ambiguous_key');
    const single = createVerifier(options([ec.publicJwk, rsa.publicJwk]));
    await expect(single.verify(noKid)).resolves.toBeDefined();
  });

  it('serves a token with a kid from a key without kid (a KeyObject), but never guesses between two', async () => {
    const token = await issuer.sign({}, { kid: ec.kid });
    await expect(createVerifier(options([keyObject(ec)])).verify(token)).resolves.toBeDefined();
    // A key with the token's kid comes first; a kid-less key is not tried for it.
    const other = await createSigningKey('ES256');
    const named = createVerifier(options([{ ...other.publicJwk, kid: ec.kid }, keyObject(ec)]));
    expect((await tokenRefusal(named.verify(token))).reason).toBe('signature');
    const twoWithoutKid = createVerifier(options([keyObject(ec), keyObject(other)]));
    expect((await tokenRefusal(twoWithoutKid.verify(token))).reason).toBe('ambiguous_key');
    // Kid-less keys of other types do not make it ambiguous: only keys that fit the alg count.
    await expect(createVerifier(options([keyObject(ec), keyObject(rsa), keyObject(ed)])).verify(token)).resolves.toBeDefined();
  });

  it('applies the keys to every configured issuer, and still checks iss', async () => {
    const other = 'https://other.example.test/';
    const verifier = createVerifier(options([ec.publicJwk], { issuer: [issuer.issuer, other] }));
    await expect(verifier.verify(await issuer.sign({ iss: other }, { kid: ec.kid }))).resolves.toMatchObject({ issuer: other });
    await expect(verifier.verify(await issuer.sign({}, { kid: ec.kid }))).resolves.toMatchObject({ issuer: issuer.issuer });
    const stranger = await tokenRefusal(verifier.verify(await issuer.sign({ iss: 'https://elsewhere.example.test/' }, { kid: ec.kid })));
    expect(stranger.reason).toBe('issuer');
  });

  it('keeps the verified-token and rejection caches: one signature check per token, however often it comes', async () => {
    const verifier = createVerifier(options([ec.publicJwk]));
    const good = await issuer.sign({}, { kid: ec.kid });
    const bad = tamperSignature(await issuer.sign({}, { kid: ec.kid }));
    const checks = vi.spyOn(crypto, 'verify');
    for (let round = 0; round < 3; round += 1) {
      await verifier.verify(good);
      expect((await tokenRefusal(verifier.verify(bad))).reason).toBe('signature');
    }
    expect(checks).toHaveBeenCalledTimes(2);
  });
});

describe('static keys: what is refused at startup', () => {
  it('refuses an empty key set, in either form, and a value of another type', () => {
    expect(configError(options([]))).toMatch(/keys: is empty; give at least one public key/);
    expect(configError(options({ keys: [] }))).toMatch(/keys: is empty/);
    expect(configError(options('https://auth.example.com/jwks' as never))).toMatch(/keys: expected a JWKS \(\{ keys: \[\.\.\.\] \}\) or an array/);
    expect(configError(options({ key: [] } as never))).toMatch(/keys: expected a JWKS/);
    expect(configError(options(Array.from({ length: 101 }, () => ec.publicJwk)))).toMatch(/keys: holds 101 keys; at most 100/);
    // A sparse array's holes are entries that are no key, not entries to skip into an empty key set.
    expect(configError(options(new Array(2) as never))).toMatch(/keys\[0\]: cannot verify tokens: it is not a JWK[\s\S]*keys\[1\]/);
    expect(configError(options([null, undefined] as never))).toMatch(/keys\[0\]: cannot verify tokens: it is not a JWK/);
  });

  it('refuses a private or symmetric KeyObject, saying what to give instead', () => {
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect(configError(options([pair.privateKey]))).toMatch(/keys\[0\]: is a private KeyObject; give its public key instead: createPublicKey\(privateKey\)/);
    expect(configError(options([createSecretKey(randomBytes(32))]))).toMatch(/keys\[0\]: is a symmetric \(secret\) KeyObject; tollgate verifies with public keys only: give the issuer's public key/);
    // What the message tells to do works.
    expect(() => createVerifier(options([createPublicKey(pair.privateKey)]))).not.toThrow();
  });

  it('refuses private and symmetric JWKs without echoing any key material', async () => {
    const privateJwk = await exportJWK(ec.privateKey);
    const message = configError(options([ec.publicJwk, privateJwk]));
    expect(message).toMatch(/keys\[1\]: is a private key \(it has d, p or q\); give only its public members/);
    expect(message).not.toContain(privateJwk.d);
    const secret = randomBytes(32).toString('base64url');
    const symmetric = configError(options([{ kty: 'oct', k: secret }]));
    expect(symmetric).toMatch(/keys\[0\]: is a symmetric key \(kty oct\)/);
    expect(symmetric).not.toContain(secret);
  });

  it('refuses a WebCrypto CryptoKey with the conversion to use', () => {
    expect(configError(options([rsa.publicKey as never]))).toMatch(/keys\[0\]: is a WebCrypto CryptoKey; give KeyObject\.from\(key\)/);
  });

  it('applies the rules of remote keys: use, key_ops, allowed algorithms, RSA size and exponent, key type', () => {
    const weak = { ...(generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'jwk' }) as JWK), kid: 'weak' };
    const evenExponent = { ...rsa.publicJwk, e: Buffer.from([1, 0, 0]).toString('base64url') };
    const rows: Array<[unknown, RegExp]> = [
      [{ ...ec.publicJwk, use: 'enc' }, /cannot verify tokens: its use is not 'sig'/],
      [{ ...ec.publicJwk, key_ops: ['sign'] }, /cannot verify tokens: its key_ops lack 'verify'/],
      [{ ...ec.publicJwk, alg: 'ES384' }, /cannot verify tokens: its alg is not one of the allowed algorithms/],
      [weak, /cannot verify tokens: its RSA modulus is under 2048 bits/],
      [evenExponent, /cannot verify tokens: its RSA exponent is not odd/],
      [{ ...ec.publicJwk, kid: 7 }, /cannot verify tokens: its kid is not a string/],
      [{ kty: 'EC', crv: 'P-256', x: ec.publicJwk.x, y: ec.publicJwk.x }, /is not a valid public key \(node:crypto cannot import it\)/],
      ['-----BEGIN PUBLIC KEY-----', /cannot verify tokens: it is not a JWK/],
      [generateKeyPairSync('x25519').publicKey, /cannot verify tokens: no allowed algorithm fits its key type/],
    ];
    for (const [entry, expected] of rows) expect(configError(options([entry as JWK])), JSON.stringify(expected.source)).toMatch(expected);
    // Allowed algorithms decide: an EC key with only RS256 allowed fits nothing.
    expect(configError(options([keyObject(ec)], { algorithms: ['RS256'] }))).toMatch(/keys\[0\]: cannot verify tokens: no allowed algorithm fits/);
  });

  it('bounds RSA keys by jwks.maxRsaModulusBits, the one jwks setting that applies', () => {
    const big = generateKeyPairSync('rsa', { modulusLength: 3072 }).publicKey;
    expect(configError(options([big], { jwks: { maxRsaModulusBits: 2048 } }))).toMatch(/keys\[0\]: cannot verify tokens: its RSA modulus is over jwks.maxRsaModulusBits \(2048 bits\)/);
    expect(() => createVerifier(options([big]))).not.toThrow();
  });

  it('refuses two keys with one kid (the second would never be tried)', async () => {
    const other = await createSigningKey('ES256');
    expect(configError(options([ec.publicJwk, { ...other.publicJwk, kid: ec.kid }]))).toMatch(/keys\[1\]: has the kid ".+" of keys\[0\]; give each key its own kid/);
  });

  it('lists every bad key at once', async () => {
    const message = configError(options([{ kty: 'oct', k: 'AAAA' }, ec.publicJwk, { ...ec.publicJwk, use: 'enc', kid: 'x' }]));
    expect(message).toMatch(/keys\[0\]: is a symmetric key/);
    expect(message).toMatch(/keys\[2\]: cannot verify tokens: its use is not 'sig'/);
  });

  it('refuses keys together with jwksUri, and with jwks settings of fetches that never happen', () => {
    expect(configError(options([ec.publicJwk], { jwksUri: issuer.jwksUri }))).toMatch(/keys and jwksUri: give one/);
    const message = configError(options([ec.publicJwk], { jwks: { cacheMaxAge: 60, cooldown: '10s' } }));
    expect(message).toMatch(/jwks.cacheMaxAge: has no effect with keys \(nothing is fetched\); remove it/);
    expect(message).toMatch(/jwks.cooldown: has no effect with keys/);
  });
});
