// verifySignature: node:crypto with JOSE's signature formats, for every supported algorithm; decodeJws: one decode.
import crypto, { createPublicKey, generateKeyPairSync, randomBytes, sign as signWith, constants, type KeyObject } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { decodeJws } from '../src/lib/decode-jws.js';
import { verifySignature } from '../src/lib/verify-signature.js';
import { InvalidTokenError } from '../src/index.js';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
const p521 = generateKeyPairSync('ec', { namedCurve: 'P-521' });
const ed = generateKeyPairSync('ed25519');
const data = Buffer.from('eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0');

// Signatures made the way a JOSE signer makes them (RFC 7518 section 3): PKCS#1 v1.5, PSS with a
// hash-long salt, ECDSA as r || s, Ed25519 over the raw input.
const CASES: ReadonlyArray<[string, { privateKey: KeyObject; publicKey: KeyObject }, (input: Buffer, key: KeyObject) => Buffer]> = [
  ['RS256', rsa, (input, key) => signWith('sha256', input, key)],
  ['RS384', rsa, (input, key) => signWith('sha384', input, key)],
  ['RS512', rsa, (input, key) => signWith('sha512', input, key)],
  ['PS256', rsa, (input, key) => signWith('sha256', input, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 })],
  ['PS384', rsa, (input, key) => signWith('sha384', input, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 48 })],
  ['PS512', rsa, (input, key) => signWith('sha512', input, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 64 })],
  ['ES256', p256, (input, key) => signWith('sha256', input, { key, dsaEncoding: 'ieee-p1363' })],
  ['ES384', p384, (input, key) => signWith('sha384', input, { key, dsaEncoding: 'ieee-p1363' })],
  ['ES512', p521, (input, key) => signWith('sha512', input, { key, dsaEncoding: 'ieee-p1363' })],
  ['EdDSA', ed, (input, key) => signWith(null, input, key)],
  ['Ed25519', ed, (input, key) => signWith(null, input, key)],
];

describe('verifySignature', () => {
  it.each(CASES)('%s: accepts its signature, refuses one bit flipped and another input', async (alg, pair, sign) => {
    const signature = sign(data, pair.privateKey);
    expect(await verifySignature(alg, pair.publicKey, data, signature)).toBe(true);
    const flipped = Buffer.from(signature);
    flipped[flipped.length - 1]! ^= 1;
    expect(await verifySignature(alg, pair.publicKey, data, flipped)).toBe(false);
    expect(await verifySignature(alg, pair.publicKey, Buffer.concat([data, Buffer.from('x')]), signature)).toBe(false);
  });

  it('refuses a DER-encoded ECDSA signature (JOSE uses r || s) and any signature of the wrong length', async () => {
    const der = signWith('sha256', data, p256.privateKey);
    expect(await verifySignature('ES256', p256.publicKey, data, der)).toBe(false);
    expect(await verifySignature('ES256', p256.publicKey, data, Buffer.alloc(0))).toBe(false);
  });

  it('refuses, without throwing, a key of another type, curve or size, an unknown alg and PKCS#1 for a PSS alg', async () => {
    const rs = signWith('sha256', data, rsa.privateKey);
    expect(await verifySignature('ES256', rsa.publicKey, data, Buffer.alloc(64))).toBe(false);
    expect(await verifySignature('EdDSA', rsa.publicKey, data, rs)).toBe(false);
    expect(await verifySignature('HS256', rsa.publicKey, data, rs)).toBe(false);
    expect(await verifySignature('none', rsa.publicKey, data, Buffer.alloc(0))).toBe(false);
    expect(await verifySignature('PS256', rsa.publicKey, data, rs)).toBe(false);
    // The right type but the wrong curve, and an RSA key under 2048 bits.
    expect(await verifySignature('ES384', p256.publicKey, data, signWith('sha384', data, { key: p256.privateKey, dsaEncoding: 'ieee-p1363' }))).toBe(false);
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 });
    expect(await verifySignature('RS256', weak.publicKey, data, signWith('sha256', data, weak.privateKey))).toBe(false);
  });

  it('refuses an RSA key over the modulus bound or with an unusual exponent without checking (defence in depth)', async () => {
    const jwk = rsa.publicKey.export({ format: 'jwk' });
    const odd = (bytes: Buffer) => {
      bytes[0]! |= 0x80;
      bytes[bytes.length - 1]! |= 1;
      return bytes.toString('base64url');
    };
    const huge = createPublicKey({ key: { ...jwk, n: odd(randomBytes(16384 / 8)) }, format: 'jwk' });
    const bigExponent = createPublicKey({ key: { ...jwk, e: odd(randomBytes(2048 / 8)) }, format: 'jwk' });
    const evenExponent = createPublicKey({ key: { ...jwk, e: Buffer.from([1, 0, 0]).toString('base64url') }, format: 'jwk' });
    const signature = Buffer.alloc(16384 / 8, 1);
    const checks = vi.spyOn(crypto, 'verify');
    try {
      expect(await verifySignature('RS256', huge, data, signature)).toBe(false);
      expect(await verifySignature('RS256', huge, data, signature, 16384)).toBe(false); // allowed size: checked, and wrong
      expect(checks).toHaveBeenCalledTimes(1);
      expect(await verifySignature('PS256', bigExponent, data, signature.subarray(0, 256))).toBe(false);
      expect(await verifySignature('RS256', evenExponent, data, signature.subarray(0, 256))).toBe(false);
      expect(checks).toHaveBeenCalledTimes(1);
      // The 2048-bit key with e = 65537 is still checked (and verifies).
      expect(await verifySignature('RS256', rsa.publicKey, data, signWith('sha256', data, rsa.privateKey))).toBe(true);
      expect(checks).toHaveBeenCalledTimes(2);
    } finally {
      checks.mockRestore();
    }
  });
});

describe('decodeJws', () => {
  const part = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
  const malformed = (token: string) => {
    try {
      decodeJws(token, 'api');
    } catch (error) {
      return error instanceof InvalidTokenError && error.reason === 'malformed_token';
    }
    return false;
  };

  it('returns header, claims, the signing input and the signature bytes', () => {
    const token = `${part({ alg: 'ES256' })}.${part({ sub: 'x' })}.${Buffer.from([1, 2, 3]).toString('base64url')}`;
    const decoded = decodeJws(token, 'api');
    expect(decoded.header).toEqual({ alg: 'ES256' });
    expect(decoded.payload).toEqual({ sub: 'x' });
    expect(decoded.signingInput.toString()).toBe(token.slice(0, token.lastIndexOf('.')));
    expect([...decoded.signature]).toEqual([1, 2, 3]);
  });

  it.each([
    ['a header that is a JSON array', () => `${part([1])}.${part({})}.c2ln`],
    ['claims that are a JSON string', () => `${part({ alg: 'ES256' })}.${part('"x"')}.c2ln`],
    ['claims that are null', () => `${part({ alg: 'ES256' })}.${part('null')}.c2ln`],
    ['a header that is not JSON', () => `${part('{alg')}.${part({})}.c2ln`],
    ['claims that are not UTF-8', () => `${part({ alg: 'ES256' })}.${Buffer.from([0x7b, 0xff, 0x7d]).toString('base64url')}.c2ln`],
    ['a segment of 4n+1 characters', () => `${part({ alg: 'ES256' })}A.${part({})}.c2ln`],
  ])('refuses %s as malformed', (_name, token) => {
    expect(malformed(token())).toBe(true);
  });

  it('keeps __proto__ as a plain member: no prototype is changed', () => {
    const decoded = decodeJws(`${part('{"alg":"ES256","__proto__":{"polluted":1}}')}.${part({})}.c2ln`, 'api');
    expect(Object.getPrototypeOf(decoded.header)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
