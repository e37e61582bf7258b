// Picks the usable verification keys out of a fetched JWKS document (RFC 7517 section 5).
import { keyFitsAlgorithm, MIN_RSA_MODULUS_BITS } from '../algorithms.js';
import { FetchJsonError } from './fetch-json.js';

/** A public JWK as tollgate keeps it. */
export interface PublicJwk {
  readonly kty: 'RSA' | 'EC' | 'OKP';
  readonly kid?: string;
  readonly alg?: string;
  readonly crv?: string;
  readonly [member: string]: unknown;
}

// Bounds the work one document can cause; real key sets hold a handful of keys.
const MAX_KEYS = 100;
const KEY_TYPES = new Set(['RSA', 'EC', 'OKP']);

/** Bits of an RSA modulus given as base64url (`n`), without leading zero bytes. */
function rsaModulusBits(n: unknown): number {
  if (typeof n !== 'string') return 0;
  const bytes = Buffer.from(n, 'base64url');
  let first = 0;
  while (first < bytes.length && bytes[first] === 0) first += 1;
  if (first === bytes.length) return 0;
  return (bytes.length - first) * 8 - Math.clz32(bytes[first]!) + 24;
}

/**
 * Returns the keys that can verify one of `algorithms`: skips encryption keys (`use`), keys not
 * allowed to verify (`key_ops`), keys for other algorithms, private keys, unknown key types and
 * RSA keys under 2048 bits.
 * Throws when the document is not a JWKS at all.
 */
export function parseJwks(document: unknown, algorithms: readonly string[]): PublicJwk[] {
  const keys = (document as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) throw new FetchJsonError('the JWKS document has no "keys" array');
  const usable: PublicJwk[] = [];
  for (const entry of keys.slice(0, MAX_KEYS)) {
    if (typeof entry !== 'object' || entry === null) continue;
    const jwk = entry as Record<string, unknown>;
    if (typeof jwk.kty !== 'string' || !KEY_TYPES.has(jwk.kty)) continue;
    if (jwk.kid !== undefined && typeof jwk.kid !== 'string') continue;
    if (jwk.use !== undefined && jwk.use !== 'sig') continue;
    if (jwk.key_ops !== undefined && !(Array.isArray(jwk.key_ops) && jwk.key_ops.includes('verify'))) continue;
    // A private key in a public document is a publisher mistake; never load private material.
    if ('d' in jwk || 'p' in jwk || 'q' in jwk) continue;
    if (jwk.alg !== undefined && !(typeof jwk.alg === 'string' && algorithms.includes(jwk.alg))) continue;
    if (!algorithms.some((alg) => keyFitsAlgorithm(jwk, alg))) continue;
    // Dropped here, where a weak key is just an unusable key (verifySignature refuses it too).
    if (jwk.kty === 'RSA' && rsaModulusBits(jwk.n) < MIN_RSA_MODULUS_BITS) continue;
    usable.push(Object.freeze({ ...jwk }) as PublicJwk);
  }
  return usable;
}
