// The client's DPoP key: generated (ES256 by default) or given, checked, with its public JWK and RFC 7638 thumbprint.
import { createHash, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { importPrivateKey } from '@tollgate/core';

/** A DPoP proof signature algorithm the client can use: ES256, ES384, ES512, PS256, RS256 or EdDSA. */
export type DpopAlgorithm = 'ES256' | 'ES384' | 'ES512' | 'PS256' | 'RS256' | 'EdDSA';
/** Algorithms a DPoP proof can be signed with (asymmetric only, RFC 9449 section 4.2), tollgate's default list. */
export const DPOP_ALGORITHMS = ['ES256', 'ES384', 'ES512', 'PS256', 'RS256', 'EdDSA'] as const satisfies readonly DpopAlgorithm[];

/** A DPoP key ready to sign proofs. */
export interface DpopSigningKey {
  readonly privateKey: KeyObject;
  readonly alg: DpopAlgorithm;
  /** The public JWK every proof carries (only the members RFC 7638 hashes). */
  readonly jwk: Readonly<Record<string, string>>;
  /** base64url(SHA-256) of the RFC 7638 canonical JWK: the `cnf.jkt` of tokens bound to this key. */
  readonly jkt: string;
}

// RFC 7638 section 3.2: the required members of each key type, in lexicographic order.
const THUMBPRINT_MEMBERS: Readonly<Record<string, readonly string[]>> = {
  EC: ['crv', 'kty', 'x', 'y'],
  RSA: ['e', 'kty', 'n'],
  OKP: ['crv', 'kty', 'x'],
};
const CURVE_ALGORITHMS: Readonly<Record<string, DpopAlgorithm>> = { prime256v1: 'ES256', secp384r1: 'ES384', secp521r1: 'ES512' };

/** Generates a key pair for `alg` (P-256 for ES256, Ed25519 for EdDSA, RSA 2048 for PS256 and RS256). */
export function generateDpopKey(alg: DpopAlgorithm): KeyObject {
  if (alg === 'EdDSA') return generateKeyPairSync('ed25519').privateKey;
  if (alg === 'PS256' || alg === 'RS256') return generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const namedCurve = Object.keys(CURVE_ALGORITHMS).find((curve) => CURVE_ALGORITHMS[curve] === alg)!;
  return generateKeyPairSync('ec', { namedCurve }).privateKey;
}

/** Checks `key` (a private JWK, KeyObject or CryptoKey) for `alg` (or the key's default); what is wrong otherwise. */
export function resolveDpopKey(key: object, alg: DpopAlgorithm | undefined): DpopSigningKey | string {
  // The checks of private_key_jwt keys fit: private, the algorithm's type and curve, 2048 to 4096 RSA bits.
  // Without an alg, the key's type decides: the first algorithm it can sign.
  const candidates: readonly DpopAlgorithm[] = alg ? [alg] : ['ES256', 'ES384', 'ES512', 'EdDSA', 'PS256'];
  let problem: string | undefined;
  for (const candidate of candidates) {
    const imported = importPrivateKey(key, candidate, 'every DPoP proof');
    if (typeof imported !== 'string') return describeKey(imported, candidate);
    // Keep the most telling problem: "an RSA key needs 2048 bits" says more than "cannot sign ES256".
    if (problem === undefined || !/cannot sign/.test(imported)) problem = imported;
  }
  return alg === undefined && /cannot sign/.test(problem!) ? 'a DPoP key must be an EC (P-256, P-384, P-521), Ed25519 or RSA private key' : problem!;
}

function describeKey(privateKey: KeyObject, alg: DpopAlgorithm): DpopSigningKey {
  const full = createPublicKey(privateKey).export({ format: 'jwk' }) as Record<string, unknown>;
  const members = THUMBPRINT_MEMBERS[String(full.kty)]!;
  const jwk = Object.freeze(Object.fromEntries(members.map((name) => [name, String(full[name])])));
  const jkt = createHash('sha256').update(JSON.stringify(jwk)).digest('base64url');
  return Object.freeze({ privateKey, alg, jwk, jkt });
}
