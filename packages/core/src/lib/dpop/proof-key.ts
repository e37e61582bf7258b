// The public key a DPoP proof carries in its `jwk` header: checked, imported, and its RFC 7638 thumbprint.
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { keyFitsAlgorithm } from '../../algorithms.js';

// RFC 7517 sections 6.2.2, 6.3.2 and 6.4: members only a private or symmetric key has.
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

// RFC 7638 section 3.2: the required members of each key type, in lexicographic order.
const THUMBPRINT_MEMBERS: Readonly<Record<string, readonly string[]>> = {
  EC: ['crv', 'kty', 'x', 'y'],
  RSA: ['e', 'kty', 'n'],
  OKP: ['crv', 'kty', 'x'],
};

/** A proof's key, ready to check its signature, with its thumbprint. */
export interface ProofKey {
  readonly key: KeyObject;
  /** base64url(SHA-256) of the RFC 7638 canonical JSON of the key. */
  readonly jkt: string;
}

/** Why a `jwk` header cannot serve: it holds private members, or is no usable public key for the alg. */
export type ProofKeyProblem = 'private' | 'unusable';

/**
 * The RFC 7638 SHA-256 thumbprint of a public JWK whose required members are strings; `undefined` otherwise.
 * @see RFC 7638 section 3
 */
export function jwkThumbprint(jwk: Record<string, unknown>): string | undefined {
  const members = typeof jwk.kty === 'string' ? THUMBPRINT_MEMBERS[jwk.kty] : undefined;
  if (!members) return undefined;
  const canonical: Record<string, string> = {};
  for (const name of members) {
    const value = jwk[name];
    if (typeof value !== 'string') return undefined;
    canonical[name] = value;
  }
  return createHash('sha256').update(JSON.stringify(canonical)).digest('base64url');
}

/**
 * Imported proof keys by thumbprint, least recently used first: importing a JWK costs ~150 µs, more than
 * the signature check, and a client signs every proof with the same key. The thumbprint covers every
 * member that is imported, so one thumbprint is one key.
 */
export class ProofKeyCache {
  readonly #keys = new Map<string, KeyObject>();
  constructor(readonly maxEntries: number) {}

  get(jkt: string): KeyObject | undefined {
    const key = this.#keys.get(jkt);
    if (key) {
      this.#keys.delete(jkt);
      this.#keys.set(jkt, key);
    }
    return key;
  }

  set(jkt: string, key: KeyObject): void {
    if (this.#keys.size >= this.maxEntries) this.#keys.delete(this.#keys.keys().next().value!);
    this.#keys.set(jkt, key);
  }
}

/**
 * Imports the proof's `jwk` for `alg`. A key with any private member is refused outright (RFC 9449
 * section 4.3 point 7: "the jwk header MUST NOT contain a private key"), as is one whose type or curve
 * does not fit the algorithm. Only the required public members are imported.
 */
export function importProofKey(jwk: unknown, alg: string, cache?: ProofKeyCache): ProofKey | ProofKeyProblem {
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) return 'unusable';
  const members = jwk as Record<string, unknown>;
  if (PRIVATE_MEMBERS.some((name) => Object.hasOwn(members, name))) return 'private';
  if (!keyFitsAlgorithm(members, alg)) return 'unusable';
  const jkt = jwkThumbprint(members);
  if (jkt === undefined) return 'unusable';
  const cached = cache?.get(jkt);
  if (cached) return { key: cached, jkt };
  const names = THUMBPRINT_MEMBERS[members.kty as string]!;
  const publicJwk = Object.fromEntries(names.map((name) => [name, members[name] as string]));
  let key: KeyObject;
  try {
    key = createPublicKey({ key: publicJwk, format: 'jwk' });
  } catch {
    return 'unusable';
  }
  cache?.set(jkt, key);
  return { key, jkt };
}
