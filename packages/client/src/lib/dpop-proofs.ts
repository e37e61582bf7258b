// DPoP proofs of one client (RFC 9449 section 4.2) and the server nonces it was given, remembered per origin (section 8).
import { constants, createHash, randomUUID, sign } from 'node:crypto';
import type { DpopSigningKey } from './dpop-key.js';

// RFC 9449 section 8: nonce = 1*NQCHAR; anything else (or absurdly long) is not remembered.
const NONCE = /^[\x21\x23-\x5b\x5d-\x7e]{1,512}$/;
// Origins whose nonce is kept; past this the least recently used is forgotten (it costs one round trip).
const MAX_ORIGINS = 100;

const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** The methods fetch sends upper-cased (Fetch standard, "normalize a method"); others are sent as written. */
const NORMALIZED = new Set(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT']);

/** The method as fetch will send it, so `htm` equals what the server sees. */
export function normalizeMethod(method: string): string {
  const upper = method.toUpperCase();
  return NORMALIZED.has(upper) ? upper : method;
}

/** Makes proofs with one key and keeps the latest nonce of each origin. */
export class DpopProofs {
  readonly #key: DpopSigningKey;
  readonly #header: string;
  readonly #nonces = new Map<string, string>();

  constructor(key: DpopSigningKey) {
    this.#key = key;
    this.#header = encode({ typ: 'dpop+jwt', alg: key.alg, jwk: key.jwk });
  }

  /** The key's public part: algorithm, JWK and thumbprint. */
  get key(): DpopSigningKey {
    return this.#key;
  }

  /** The nonce remembered for `url`'s origin, if any. */
  nonceFor(url: string | URL): string | undefined {
    const origin = originOf(url);
    return origin === undefined ? undefined : this.#nonces.get(origin);
  }

  /** Remembers the `DPoP-Nonce` of an answer from `url`; returns whether it was a new nonce. */
  remember(url: string | URL, nonce: string | null | undefined): boolean {
    const origin = originOf(url);
    if (origin === undefined || typeof nonce !== 'string' || !NONCE.test(nonce)) return false;
    const previous = this.#nonces.get(origin);
    this.#nonces.delete(origin);
    if (this.#nonces.size >= MAX_ORIGINS) this.#nonces.delete(this.#nonces.keys().next().value!);
    this.#nonces.set(origin, nonce);
    return previous !== nonce;
  }

  /**
   * A proof for one request: `htm`, `htu` (the URL without query and fragment), a fresh `jti`, `iat` on the
   * real clock (the server reads it with its own), `ath` when an access token goes with it (section 4.2),
   * and the origin's nonce when one was given.
   */
  proof(method: string, url: string | URL, accessToken?: string): string {
    const target = new URL(url);
    const claims: Record<string, unknown> = {
      jti: randomUUID(),
      htm: normalizeMethod(method),
      htu: `${target.origin}${target.pathname}`,
      iat: Math.floor(Date.now() / 1000),
    };
    if (accessToken !== undefined) claims.ath = createHash('sha256').update(accessToken, 'ascii').digest('base64url');
    const nonce = this.#nonces.get(target.origin);
    if (nonce !== undefined) claims.nonce = nonce;
    const input = `${this.#header}.${encode(claims)}`;
    return `${input}.${signature(this.#key, input).toString('base64url')}`;
  }
}

function originOf(url: string | URL): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

/** The JWS signature (RFC 7518): r || s for ECDSA, PSS with a salt of the hash length. */
function signature({ privateKey, alg }: DpopSigningKey, input: string): Buffer {
  const data = Buffer.from(input, 'ascii');
  switch (alg) {
    case 'EdDSA':
      return sign(null, data, privateKey);
    case 'ES256':
    case 'ES384':
    case 'ES512':
      return sign(`sha${alg.slice(2)}`, data, { key: privateKey, dsaEncoding: 'ieee-p1363' });
    case 'PS256':
      return sign('sha256', data, { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 });
    case 'RS256':
      return sign('sha256', data, privateKey);
  }
}
