// Key selection: which JWKS entries are usable (parse-jwks), end to end through the verifier, and
// tokens without a kid.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSign, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { exportJWK, type JWK } from 'jose';
import { createSigningKey, createTestIssuer, type TestIssuer, type TestSigningKey } from '@tollgate/testing';
import { createVerifier, InvalidTokenError, type Algorithm, type Verifier } from '../src/index.js';
import { parseJwks } from '../src/lib/parse-jwks.js';
import { FetchJsonError } from '../src/lib/fetch-json.js';
import { rejectionOf } from './support/jwks-support.js';

let issuer: TestIssuer;
let rsa: TestSigningKey;
let ec: TestSigningKey;
let p384: TestSigningKey;
let rsaPrivateJwk: JWK;
// jose refuses to generate RSA keys under 2048 bits, so the weak key comes from node:crypto.
const weakRsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
const weakJwk = (): JWK => ({ ...(weakRsa.publicKey.export({ format: 'jwk' }) as JWK), kid: 'weak-1024', alg: 'RS256', use: 'sig' });

beforeAll(async () => {
  issuer = await createTestIssuer({ algorithms: ['RS256', 'ES256'] });
  rsa = issuer.keys[0]!;
  ec = issuer.keys[1]!;
  p384 = await createSigningKey('ES384');
  rsaPrivateJwk = await exportJWK(rsa.privateKey);
});
afterAll(async () => {
  await issuer.close();
});
afterEach(() => {
  issuer.setExtraJwks([]);
  for (const key of issuer.keys) key.published = key === rsa || key === ec;
  issuer.resetRequests();
});

function verifierWith(algorithms?: Algorithm[]): Verifier {
  return createVerifier({
    issuer: issuer.issuer,
    audience: issuer.audience,
    allowInsecureRequests: true,
    ...(algorithms ? { algorithms } : {}),
    jwks: { cacheMaxAge: 600, cooldown: 30 },
  });
}

async function expectRejected(promise: Promise<unknown>, reason: string, message: string): Promise<void> {
  const error = await rejectionOf(promise);
  expect(error).toBeInstanceOf(InvalidTokenError);
  expect((error as InvalidTokenError).reason).toBe(reason);
  expect((error as InvalidTokenError).message).toBe(message);
}

/** A JWT signed with node:crypto (RS256), for keys jose will not handle. */
function signWith(privateKey: KeyObject, header: Record<string, unknown>, claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${part(header)}.${part(claims)}`;
  return `${input}.${createSign('RSA-SHA256').update(input).sign(privateKey).toString('base64url')}`;
}

const ALL = ['RS256', 'PS256', 'ES256', 'ES384', 'EdDSA'];

/** An odd base64url number of exactly `bits` bits (top bit set): the size is all parseJwks can judge. */
function modulusOf(bits: number): string {
  const bytes = randomBytes(Math.ceil(bits / 8));
  bytes[0] = (bytes[0]! | 0x80) >> ((8 - (bits % 8)) % 8);
  bytes[bytes.length - 1]! |= 1;
  return bytes.toString('base64url');
}

/** `value` as a JWK's base64url unsigned big-endian number (RFC 7518 section 2). */
function exponent(value: bigint): string {
  const hex = value.toString(16);
  return Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex').toString('base64url');
}

describe('parseJwks skips keys that must not verify', () => {
  const rows: ReadonlyArray<{ name: string; entry: () => Record<string, unknown>; kept: boolean }> = [
    { name: 'a plain public signing key (control)', entry: () => ({ ...rsa.publicJwk }), kept: true },
    { name: 'a key without use, alg or key_ops (control)', entry: () => ({ kty: 'RSA', n: rsa.publicJwk.n, e: rsa.publicJwk.e }), kept: true },
    { name: 'key_ops including verify (control)', entry: () => ({ ...rsa.publicJwk, key_ops: ['verify'] }), kept: true },
    { name: "use: 'enc'", entry: () => ({ ...rsa.publicJwk, use: 'enc' }), kept: false },
    { name: 'key_ops without verify', entry: () => ({ ...rsa.publicJwk, key_ops: ['encrypt', 'wrapKey'] }), kept: false },
    { name: 'key_ops that is not an array', entry: () => ({ ...rsa.publicJwk, key_ops: 'verify' }), kept: false },
    { name: 'an alg not allowed', entry: () => ({ ...rsa.publicJwk, alg: 'RS512' }), kept: false },
    { name: 'a symmetric alg', entry: () => ({ ...rsa.publicJwk, alg: 'HS256' }), kept: false },
    { name: "kty 'oct' (symmetric)", entry: () => ({ kty: 'oct', kid: rsa.kid, k: 'c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0', alg: 'HS256' }), kept: false },
    { name: 'an RSA key with the private member d', entry: () => ({ ...rsaPrivateJwk, kid: rsa.kid, alg: 'RS256', use: 'sig' }), kept: false },
    { name: 'an RSA key with only p and q', entry: () => ({ ...rsa.publicJwk, p: rsaPrivateJwk.p, q: rsaPrivateJwk.q }), kept: false },
    { name: 'an EC P-384 key claiming ES256', entry: () => ({ ...p384.publicJwk, alg: 'ES256' }), kept: false },
    { name: 'an unknown kty', entry: () => ({ kty: 'XYZ', kid: 'x' }), kept: false },
    { name: 'a non-string kid', entry: () => ({ ...rsa.publicJwk, kid: 42 }), kept: false },
    { name: 'null', entry: () => null as unknown as Record<string, unknown>, kept: false },
    { name: 'an RSA key of 1024 bits', entry: () => ({ ...weakJwk() }), kept: false },
    { name: 'an RSA key with a zero-padded 1024-bit modulus', entry: () => ({ ...weakJwk(), n: Buffer.concat([Buffer.alloc(128), Buffer.from(String(weakJwk().n), 'base64url')]).toString('base64url') }), kept: false },
    { name: 'an RSA key without n', entry: () => ({ kty: 'RSA', e: rsa.publicJwk.e }), kept: false },
    { name: 'an RSA key of 4096 bits (the default maximum)', entry: () => ({ ...rsa.publicJwk, n: modulusOf(4096) }), kept: true },
    { name: 'an RSA key of 4097 bits', entry: () => ({ ...rsa.publicJwk, n: modulusOf(4097) }), kept: false },
    { name: 'an RSA key of 16384 bits', entry: () => ({ ...rsa.publicJwk, n: modulusOf(16384) }), kept: false },
    { name: 'an RSA key with e = 3', entry: () => ({ ...rsa.publicJwk, e: exponent(3n) }), kept: true },
    { name: 'an RSA key with e = 2^32 - 1', entry: () => ({ ...rsa.publicJwk, e: exponent(0xffff_ffffn) }), kept: true },
    { name: 'an RSA key with a zero-padded e = 65537', entry: () => ({ ...rsa.publicJwk, e: Buffer.from([0, 0, 1, 0, 1]).toString('base64url') }), kept: true },
    { name: 'an RSA key with e = 1', entry: () => ({ ...rsa.publicJwk, e: exponent(1n) }), kept: false },
    { name: 'an RSA key with an even e', entry: () => ({ ...rsa.publicJwk, e: exponent(65536n) }), kept: false },
    { name: 'an RSA key with e = 2^32 + 1', entry: () => ({ ...rsa.publicJwk, e: exponent(0x1_0000_0001n) }), kept: false },
    { name: 'an RSA key with a 2048-bit e', entry: () => ({ ...rsa.publicJwk, e: modulusOf(2048) }), kept: false },
    { name: 'an RSA key without e', entry: () => ({ kty: 'RSA', n: rsa.publicJwk.n }), kept: false },
  ];

  it.each(rows)('$name → kept: $kept', ({ entry, kept }) => {
    const keys = parseJwks({ keys: [entry()] }, ['RS256', 'PS256', 'ES256', 'EdDSA']);
    expect(keys).toHaveLength(kept ? 1 : 0);
  });

  it('jwks.maxRsaModulusBits raises or lowers the RSA bound', () => {
    const big = { ...rsa.publicJwk, n: modulusOf(8192) };
    expect(parseJwks({ keys: [big] }, ['RS256'])).toEqual([]);
    expect(parseJwks({ keys: [big] }, ['RS256'], { maxRsaModulusBits: 8192 })).toHaveLength(1);
    expect(parseJwks({ keys: [{ ...rsa.publicJwk, n: modulusOf(3072) }] }, ['RS256'], { maxRsaModulusBits: 2048 })).toEqual([]);
  });

  it('keeps a P-384 key without alg only when an algorithm it fits is allowed', () => {
    const entry = { ...p384.publicJwk, alg: undefined };
    expect(parseJwks({ keys: [entry] }, ['RS256', 'ES256'])).toEqual([]);
    expect(parseJwks({ keys: [entry] }, ['ES256', 'ES384'])).toHaveLength(1);
  });

  it('returns frozen copies of the kept keys', () => {
    const [key] = parseJwks({ keys: [{ ...rsa.publicJwk }] }, ['RS256']);
    expect(key).toBeDefined();
    expect(Object.isFrozen(key)).toBe(true);
    expect(key!.kid).toBe(rsa.kid);
  });

  it('throws FetchJsonError for a document without a keys array', () => {
    for (const document of [null, {}, { keys: {} }, { keys: 'x' }, [rsa.publicJwk]]) {
      expect(() => parseJwks(document, ALL)).toThrow(FetchJsonError);
    }
    expect(parseJwks({ keys: [] }, ALL)).toEqual([]);
  });

  it('looks at no more than the first 100 entries of a document', () => {
    const entries = Array.from({ length: 250 }, (_, i) => ({ ...rsa.publicJwk, kid: `k-${i}` }));
    const keys = parseJwks({ keys: entries }, ALL);
    expect(keys).toHaveLength(100);
    expect(keys.at(-1)?.kid).toBe('k-99');
  });

  it('counts skipped entries towards the bound, so junk at the front cannot make it scan further', () => {
    const junk = Array.from({ length: 100 }, (_, i) => ({ kty: 'oct', kid: `junk-${i}`, k: 'AAAA' }));
    expect(parseJwks({ keys: [...junk, rsa.publicJwk] }, ALL)).toEqual([]);
  });
});

describe('skipped keys do not verify, even when they share the token’s kid', () => {
  // The real key is withdrawn and the unusable variant is published under the same kid.
  const cases: ReadonlyArray<{ name: string; signer: () => TestSigningKey; entry: () => JWK }> = [
    { name: "use: 'enc'", signer: () => rsa, entry: () => ({ ...rsa.publicJwk, use: 'enc' }) },
    { name: 'key_ops without verify', signer: () => rsa, entry: () => ({ ...rsa.publicJwk, key_ops: ['encrypt'] }) },
    { name: 'an alg that is not allowed', signer: () => rsa, entry: () => ({ ...rsa.publicJwk, alg: 'RS512' }) },
    { name: "kty 'oct'", signer: () => rsa, entry: () => ({ kty: 'oct', kid: rsa.kid, k: 'c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0' }) },
    { name: 'an RSA JWK carrying the private member d', signer: () => rsa, entry: () => ({ ...rsaPrivateJwk, kid: rsa.kid, alg: 'RS256', use: 'sig' }) },
    { name: 'an EC key on P-384 claiming ES256', signer: () => ec, entry: () => ({ ...p384.publicJwk, kid: ec.kid, alg: 'ES256' }) },
  ];

  it.each(cases)('$name: unknown signing key', async ({ signer, entry }) => {
    const key = signer();
    const token = await issuer.sign({}, { kid: key.kid });
    issuer.retire(key.kid);
    issuer.setExtraJwks([entry()]);
    await expectRejected(verifierWith().verify(token), 'unknown_key', 'unknown signing key');
    expect(issuer.requests.jwks).toBe(1);
  });

  it('a token signed by a published 1024-bit RSA key is an unknown key (401), not a crash', async () => {
    issuer.setExtraJwks([weakJwk()]);
    const token = signWith(weakRsa.privateKey, { alg: 'RS256', kid: 'weak-1024' }, { ...issuer.defaultClaims() });
    await expectRejected(verifierWith().verify(token), 'unknown_key', 'unknown signing key');
  });

  it.each([
    { name: 'a 16384-bit modulus', entry: (): JWK => ({ ...rsa.publicJwk, n: modulusOf(16384) }) },
    { name: 'a 2048-bit public exponent', entry: (): JWK => ({ ...rsa.publicJwk, e: modulusOf(2048) }) },
  ])('an RSA key with $name under the token’s kid is an unknown key: skipped, never used for a signature check', async ({ entry }) => {
    const token = await issuer.sign({}, { kid: rsa.kid });
    issuer.retire(rsa.kid);
    issuer.setExtraJwks([entry()]);
    await expectRejected(verifierWith().verify(token), 'unknown_key', 'unknown signing key');
  });

  it('control: the same key with use sig and key_ops [verify] under that kid verifies', async () => {
    const token = await issuer.sign({ sub: 'control' }, { kid: rsa.kid });
    issuer.retire(rsa.kid);
    issuer.setExtraJwks([{ ...rsa.publicJwk, key_ops: ['verify'] }]);
    expect((await verifierWith().verify(token)).subject).toBe('control');
  });

  it('a usable key of another curve under the token’s kid is refused as an algorithm mismatch, never tried', async () => {
    const token = await issuer.sign({}, { kid: ec.kid }); // ES256
    issuer.retire(ec.kid);
    const { alg: _alg, ...noAlg } = p384.publicJwk;
    issuer.setExtraJwks([{ ...noAlg, kid: ec.kid }]);
    await expectRejected(verifierWith(['ES256', 'ES384']).verify(token), 'algorithm', 'algorithm does not match the signing key');
  });

  it('a skipped entry sharing the kid does not hide the usable key next to it', async () => {
    const token = await issuer.sign({ sub: 'usable' }, { kid: rsa.kid });
    issuer.setExtraJwks([
      { ...rsa.publicJwk, use: 'enc' },
      { ...rsaPrivateJwk, kid: rsa.kid },
    ]);
    expect((await verifierWith().verify(token)).subject).toBe('usable');
  });
});

describe('tokens without a kid', () => {
  it('verify when exactly one key fits the algorithm', async () => {
    const verifier = verifierWith();
    const rs = await issuer.sign({ sub: 'rs-no-kid' }, { alg: 'RS256', header: { kid: undefined } });
    const es = await issuer.sign({ sub: 'es-no-kid' }, { alg: 'ES256', header: { kid: undefined } });
    expect((await verifier.verify(rs)).subject).toBe('rs-no-kid');
    expect((await verifier.verify(es)).subject).toBe('es-no-kid');
    expect((await verifier.verify(rs)).header.kid).toBeUndefined();
    expect(issuer.requests.jwks).toBe(1);
  });

  it('are rejected with ambiguous_key when several keys fit', async () => {
    const second = await issuer.rotate({ alg: 'RS256' });
    const token = await issuer.sign({}, { kid: rsa.kid, header: { kid: undefined } });
    await expectRejected(verifierWith().verify(token), 'ambiguous_key', 'token has no kid and several keys match');
    issuer.retire(second.kid);
  });

  it('are rejected with ambiguous_key when another key without alg could also fit', async () => {
    const token = await issuer.sign({}, { alg: 'ES256', header: { kid: undefined } });
    const other = await createSigningKey('ES256');
    const { alg: _alg, ...noAlg } = other.publicJwk;
    issuer.setExtraJwks([noAlg]);
    await expectRejected(verifierWith().verify(token), 'ambiguous_key', 'token has no kid and several keys match');
  });

  it('a key with an explicit other alg does not count as fitting', async () => {
    // The PS256 key is RSA too, but its alg says PS256: only the RS256 key fits an RS256 token.
    const ps = await createSigningKey('PS256');
    issuer.setExtraJwks([ps.publicJwk]);
    const token = await issuer.sign({ sub: 'one-fits' }, { alg: 'RS256', header: { kid: undefined } });
    expect((await verifierWith().verify(token)).subject).toBe('one-fits');
  });
});

describe('a JWKS with more than 100 entries', () => {
  it('is bounded: a kid listed within the first 100 entries verifies, one beyond them is unknown', async () => {
    // Copies of the RSA public key under other kids; the token is signed by that key, so only the bound decides.
    const bulk = Array.from({ length: 150 }, (_, i) => ({ ...rsa.publicJwk, kid: `bulk-${i}` }));
    issuer.setExtraJwks(bulk);
    const verifier = verifierWith();
    // Entries 0 and 1 are the issuer's own keys, so bulk-97 is the 100th entry and bulk-98 the 101st.
    const inside = await issuer.sign({ sub: 'inside' }, { kid: rsa.kid, header: { kid: 'bulk-97' } });
    const outside = await issuer.sign({ sub: 'outside' }, { kid: rsa.kid, header: { kid: 'bulk-98' } });
    expect((await verifier.verify(inside)).subject).toBe('inside');
    await expectRejected(verifier.verify(outside), 'unknown_key', 'unknown signing key');
    expect(issuer.requests.jwks).toBe(2);
  });
});
