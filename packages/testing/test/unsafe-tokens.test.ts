import { createHmac, createPublicKey } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, jwtVerify, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  algNoneToken,
  createSigningKey,
  encodeJwt,
  hmacWithPublicKeyToken,
  tamperPayload,
  tamperSignature,
  type TestSigningKey,
} from '../src/index.js';

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
const split = (token: string): string[] => token.split('.');

let es: TestSigningKey;
let token: string;
beforeAll(async () => {
  es = await createSigningKey('ES256', 'es-kid');
  token = await new SignJWT({ sub: 'alice', scope: 'orders:read' }).setProtectedHeader({ alg: 'ES256', kid: 'es-kid' }).sign(es.privateKey);
});

describe('createSigningKey', () => {
  it('creates a key pair with the given kid and a public JWK', () => {
    expect(es.kid).toBe('es-kid');
    expect(es.alg).toBe('ES256');
    expect(es.published).toBe(true);
    expect(es.publicJwk).toMatchObject({ kty: 'EC', crv: 'P-256', kid: 'es-kid', alg: 'ES256', use: 'sig' });
    expect(es.publicJwk).not.toHaveProperty('d');
  });
});

describe('encodeJwt', () => {
  it('matches the documented example', () => {
    expect(encodeJwt({ alg: 'none' }, { sub: 'x' })).toBe('eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.');
  });

  it('joins base64url JSON header and payload with the signature as given', () => {
    const header = { alg: 'RS256', kid: 'k/1+?', typ: 'at+jwt' };
    const payload = { sub: 'ü~~~?', n: 1, list: [true, null] };
    const jwt = encodeJwt(header, payload, 'not-a-real-signature');
    expect(split(jwt)).toEqual([b64(header), b64(payload), 'not-a-real-signature']);
    expect(jwt).not.toMatch(/[+/=]/);
    expect(decodeProtectedHeader(jwt)).toEqual(header);
    expect(decodeJwt(jwt)).toEqual(payload);
  });
});

describe('tamperSignature', () => {
  it('changes exactly the first character of the signature', () => {
    const tampered = tamperSignature(token);
    const [h, p, s = ''] = split(token);
    const [th, tp, ts = ''] = split(tampered);
    expect(th).toBe(h);
    expect(tp).toBe(p);
    expect(ts).not.toBe(s);
    expect(ts).toHaveLength(s.length);
    expect(ts.slice(1)).toBe(s.slice(1));
    expect(ts[0]).toBe(s[0] === 'A' ? 'B' : 'A');
  });

  it('flips A to B and anything else to A', () => {
    expect(tamperSignature('h.p.Axyz')).toBe('h.p.Bxyz');
    expect(tamperSignature('h.p.Bxyz')).toBe('h.p.Axyz');
    expect(tamperSignature('h.p.zxyz')).toBe('h.p.Axyz');
  });

  it('makes a valid token fail verification', async () => {
    await expect(jwtVerify(token, es.publicKey)).resolves.toBeDefined();
    await expect(jwtVerify(tamperSignature(token), es.publicKey)).rejects.toMatchObject({ code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' });
  });
});

describe('tamperPayload', () => {
  it('replaces the payload and keeps header and signature', async () => {
    const forged = tamperPayload(token, { sub: 'mallory', scope: 'admin' });
    const [h, , s] = split(token);
    expect(split(forged)).toEqual([h, b64({ sub: 'mallory', scope: 'admin' }), s]);
    expect(decodeJwt(forged)).toEqual({ sub: 'mallory', scope: 'admin' });
    await expect(jwtVerify(forged, es.publicKey)).rejects.toMatchObject({ code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' });
  });
});

describe('algNoneToken and hmacWithPublicKeyToken', () => {
  it('algNoneToken forces alg none with an empty signature', () => {
    expect(algNoneToken({ sub: 'x' })).toBe(`${b64({ typ: 'at+jwt', alg: 'none' })}.${b64({ sub: 'x' })}.`);
    expect(split(algNoneToken({ sub: 'x' }, { alg: 'ES256', kid: 'k', typ: 'JWT' }))).toEqual([
      b64({ typ: 'JWT', alg: 'none', kid: 'k' }),
      b64({ sub: 'x' }),
      '',
    ]);
  });

  it('hmacWithPublicKeyToken signs HS256 with the public key PEM', async () => {
    const rsa = await createSigningKey('RS256', 'rsa-kid');
    const forged = hmacWithPublicKeyToken(rsa.publicKey, { sub: 'x' }, { kid: 'rsa-kid' });
    const [h = '', p = '', s] = split(forged);
    expect(JSON.parse(Buffer.from(h, 'base64url').toString())).toEqual({ typ: 'at+jwt', kid: 'rsa-kid', alg: 'HS256' });
    expect(p).toBe(b64({ sub: 'x' }));
    const pem = createPublicKey({ key: rsa.publicJwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString();
    expect(s).toBe(createHmac('sha256', pem).update(`${h}.${p}`).digest('base64url'));
  });
});
