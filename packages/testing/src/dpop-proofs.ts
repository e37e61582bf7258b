// DPoP for tests (RFC 9449): client keys, proofs with any field overridable, and the cnf of a token bound to a key.
import { createHash, KeyObject, randomUUID, sign, constants } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import type { TestAlgorithm } from './signing-keys.js';

/** A DPoP client key pair. */
export interface DpopKey {
  /** The algorithm its proofs are signed with. */
  readonly alg: TestAlgorithm;
  /** Signs proofs. */
  readonly privateKey: CryptoKey;
  /** The public JWK every proof carries in its `jwk` header. */
  readonly publicJwk: JWK;
  /** The private JWK (for tests that put a private key in a proof, which must be refused). */
  readonly privateJwk: JWK;
  /** The RFC 7638 SHA-256 thumbprint of the public key: a bound token's `cnf.jkt`. */
  readonly jkt: string;
  /** The `cnf` claim of a token bound to this key: `{ jkt }`. */
  readonly cnf: {
    /** The key's thumbprint, as {@link DpopKey.jkt}. */
    readonly jkt: string;
  };
}

/**
 * Generates a DPoP client key (ES256 by default).
 * @param alg - the algorithm of its proofs
 * @example
 * const key = await createDpopKey();
 * const token = await issuer.sign({ cnf: key.cnf });
 * @see RFC 9449 section 4, RFC 7638
 */
export async function createDpopKey(alg: TestAlgorithm = 'ES256'): Promise<DpopKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true, crv: alg === 'EdDSA' ? 'Ed25519' : undefined });
  const publicJwk = await exportJWK(publicKey);
  const privateJwk = await exportJWK(privateKey);
  const jkt = await calculateJwkThumbprint(publicJwk, 'sha256');
  return { alg, privateKey, publicJwk, privateJwk, jkt, cnf: Object.freeze({ jkt }) };
}

/** Options of {@link createDpopProof}. Every field of the proof can be overridden, to build broken ones. */
export interface DpopProofOptions {
  /** The client key that signs (and whose public JWK goes in the header). */
  key: DpopKey;
  /** `htm`: the request method. */
  method: string;
  /** `htu`: the request URL (its query and fragment are dropped, as RFC 9449 section 4.2 says). */
  url: string;
  /** The access token: `ath` is its SHA-256. Omitted: no `ath` (a proof for the token endpoint). */
  token?: string;
  /** The server nonce, as `nonce`. */
  nonce?: string;
  /** `iat` in epoch seconds. Default: now. */
  iat?: number;
  /** `jti`. Default: a random UUID. */
  jti?: string;
  /** Header members merged over `{ typ: 'dpop+jwt', alg, jwk }`; `undefined` removes one. */
  header?: Record<string, unknown>;
  /** Claims merged over the defaults; `undefined` removes one. */
  claims?: Record<string, unknown>;
  /** `false`: no signature at all (an `alg: none` proof). Default `true`. */
  signed?: boolean;
}

const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Drops members whose value is `undefined`, so an override can remove a default. */
function defined(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
}

/** The JWS signature of `input` under `key` for `alg` (JOSE encodings: r || s for ECDSA, PSS salt = hash length). */
function signature(alg: TestAlgorithm, key: KeyObject, input: string): Buffer {
  const data = Buffer.from(input, 'ascii');
  if (alg === 'EdDSA') return sign(null, data, key);
  const digest = `sha${alg.slice(2)}`;
  if (alg.startsWith('ES')) return sign(digest, data, { key, dsaEncoding: 'ieee-p1363' });
  if (alg.startsWith('PS')) return sign(digest, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: Number(alg.slice(2)) / 8 });
  return sign(digest, data, key);
}

/** `ath`: base64url(SHA-256(access token)), RFC 9449 section 4.2. */
export function accessTokenHash(token: string): string {
  return createHash('sha256').update(token, 'ascii').digest('base64url');
}

/**
 * Builds a DPoP proof JWT for one request, signed with `key` (whatever `header.alg` claims, so a test can
 * lie about the algorithm). Defaults follow RFC 9449 section 4.2.
 * @example
 * const proof = createDpopProof({ key, method: 'GET', url: `${origin}/orders`, token });
 * await fetch(`${origin}/orders`, { headers: { authorization: `DPoP ${token}`, dpop: proof } });
 * @see RFC 9449 section 4.2
 */
export function createDpopProof(options: DpopProofOptions): string {
  const { key } = options;
  const url = new URL(options.url);
  const htu = `${url.origin}${url.pathname}`;
  const header = defined({ typ: 'dpop+jwt', alg: key.alg, jwk: key.publicJwk, ...options.header });
  const claims = defined({
    jti: options.jti ?? randomUUID(),
    htm: options.method,
    htu,
    iat: options.iat ?? Math.floor(Date.now() / 1000),
    ...(options.token === undefined ? {} : { ath: accessTokenHash(options.token) }),
    ...(options.nonce === undefined ? {} : { nonce: options.nonce }),
    ...options.claims,
  });
  const input = `${encode(header)}.${encode(claims)}`;
  if (options.signed === false) return `${input}.`;
  return `${input}.${signature(key.alg, KeyObject.from(key.privateKey), input).toString('base64url')}`;
}
