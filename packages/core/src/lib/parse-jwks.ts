// Picks the usable verification keys out of a fetched JWKS document (RFC 7517 section 5).
import { DEFAULT_MAX_RSA_MODULUS_BITS, isAcceptedRsaExponent, keyFitsAlgorithm, MIN_RSA_MODULUS_BITS } from '../algorithms.js';
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
export const MAX_KEYS = 100;
const KEY_TYPES = new Set(['RSA', 'EC', 'OKP']);

/** The unsigned big-endian number a JWK member holds as base64url (RFC 7518 section 2), without leading zero bytes. */
function magnitude(value: unknown): Buffer | undefined {
  if (typeof value !== 'string') return undefined;
  const bytes = Buffer.from(value, 'base64url');
  let first = 0;
  while (first < bytes.length && bytes[first] === 0) first += 1;
  return first === bytes.length ? undefined : bytes.subarray(first);
}

/** Bits of an RSA modulus given as base64url (`n`). */
function rsaModulusBits(n: unknown): number {
  const bytes = magnitude(n);
  return bytes ? bytes.length * 8 - Math.clz32(bytes[0]!) + 24 : 0;
}

/** Whether an RSA public exponent (`e`) is one tollgate verifies with (see isAcceptedRsaExponent). */
function rsaExponentFits(e: unknown): boolean {
  const bytes = magnitude(e);
  // Over 4 bytes is over the bound already; reading it as a number would cost as much as the attack.
  return bytes !== undefined && bytes.length <= 4 && isAcceptedRsaExponent(BigInt(bytes.readUIntBE(0, bytes.length)));
}

/** Bounds on the keys {@link parseJwks} keeps. */
export interface KeyBounds {
  /** Largest RSA modulus kept, in bits. Default 4096. */
  maxRsaModulusBits?: number;
}

/**
 * Why a JWK cannot verify any of `algorithms`, or `undefined` when it can: an encryption key (`use`),
 * a key not allowed to verify (`key_ops`), a key for another algorithm, a private key, an unknown key
 * type, an RSA key under 2048 or over `maxRsaModulusBits` bits, an RSA exponent that is even, under 3
 * or 2^32 and over. The text names the rule, never key material; remote keys that fail are skipped,
 * static keys that fail are a startup error.
 * @example unusableKeyReason({ kty: 'oct', k: '...' }, ['RS256']) // 'its kty is not RSA, EC or OKP (a public key type)'
 * @see RFC 7517 section 4, RFC 7518 section 3.3, RFC 8017 section 3.1
 */
export function unusableKeyReason(entry: unknown, algorithms: readonly string[], bounds: KeyBounds = {}): string | undefined {
  const maxRsaModulusBits = bounds.maxRsaModulusBits ?? DEFAULT_MAX_RSA_MODULUS_BITS;
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return 'it is not a JWK (a JSON object)';
  const jwk = entry as Record<string, unknown>;
  if (typeof jwk.kty !== 'string' || !KEY_TYPES.has(jwk.kty)) return 'its kty is not RSA, EC or OKP (a public key type)';
  if (jwk.kid !== undefined && typeof jwk.kid !== 'string') return 'its kid is not a string';
  if (jwk.use !== undefined && jwk.use !== 'sig') return "its use is not 'sig' (RFC 7517 section 4.2)";
  if (jwk.key_ops !== undefined && !(Array.isArray(jwk.key_ops) && jwk.key_ops.includes('verify'))) return "its key_ops lack 'verify' (RFC 7517 section 4.3)";
  // A private key in a public document is a publisher mistake; never load private material.
  if ('d' in jwk || 'p' in jwk || 'q' in jwk) return 'it holds private key members (d, p or q)';
  if (jwk.alg !== undefined && !(typeof jwk.alg === 'string' && algorithms.includes(jwk.alg))) return 'its alg is not one of the allowed algorithms';
  if (!algorithms.some((alg) => keyFitsAlgorithm(jwk, alg))) return 'no allowed algorithm fits its key type (and curve)';
  if (jwk.kty === 'RSA') {
    // Dropped here, where a weak key is just an unusable key (verifySignature refuses it too). An
    // oversized modulus or exponent is dropped for what it costs: every forged token pays one check.
    const bits = rsaModulusBits(jwk.n);
    if (bits < MIN_RSA_MODULUS_BITS) return `its RSA modulus is under ${MIN_RSA_MODULUS_BITS} bits (RFC 7518 section 3.3)`;
    if (bits > maxRsaModulusBits) return `its RSA modulus is over jwks.maxRsaModulusBits (${maxRsaModulusBits} bits)`;
    if (!rsaExponentFits(jwk.e)) return 'its RSA exponent is not odd, at least 3 and under 2^32 (RFC 8017 section 3.1)';
  }
  return undefined;
}

/**
 * Returns the keys that can verify one of `algorithms`, skipping the others (see
 * {@link unusableKeyReason}). Throws when the document is not a JWKS at all.
 * @example parseJwks(await fetchJson(jwksUri, options), ['RS256', 'ES256'], { maxRsaModulusBits: 4096 })
 * @see RFC 7517 section 5, RFC 7518 section 3.3, RFC 8017 section 3.1
 */
export function parseJwks(document: unknown, algorithms: readonly string[], bounds: KeyBounds = {}): PublicJwk[] {
  const keys = (document as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) throw new FetchJsonError('the JWKS document has no "keys" array');
  const usable: PublicJwk[] = [];
  for (const entry of keys.slice(0, MAX_KEYS)) {
    if (unusableKeyReason(entry, algorithms, bounds) === undefined) usable.push(Object.freeze({ ...(entry as object) }) as PublicJwk);
  }
  return usable;
}
