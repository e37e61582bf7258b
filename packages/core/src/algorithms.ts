// The asymmetric JWS algorithms tollgate verifies, and the JWK each one needs (RFC 7518 section 3, RFC 8037).

/** Signature algorithms tollgate can verify with a public key. */
export const SUPPORTED_ALGORITHMS = [
  'RS256', 'RS384', 'RS512',
  'PS256', 'PS384', 'PS512',
  'ES256', 'ES384', 'ES512',
  'EdDSA', 'Ed25519',
] as const;

/** A signature algorithm tollgate can verify with a public key. */
export type Algorithm = (typeof SUPPORTED_ALGORITHMS)[number];

export const DEFAULT_ALGORITHMS: readonly Algorithm[] = ['RS256', 'PS256', 'ES256', 'EdDSA'];

/** RFC 7518 section 3.3: RSA keys of 2048 bits or more; smaller ones are forgeable. */
export const MIN_RSA_MODULUS_BITS = 2048;

/**
 * Default bound on RSA moduli. The issuer's key size sets what every forged token costs us, and that
 * cost grows faster than the square of the size: measured with node:crypto, a check with a 4096-bit key
 * costs ~2.3x one with a 2048-bit key, 8192 bits ~8x, 16384 bits ~30x. 4096 covers the sizes issuers
 * publish in practice (2048, 3072, 4096); a larger key needs `jwks.maxRsaModulusBits`.
 */
export const DEFAULT_MAX_RSA_MODULUS_BITS = 4096;

/** The largest `jwks.maxRsaModulusBits`: OpenSSL's own maximum (OPENSSL_RSA_MAX_MODULUS_BITS). */
export const MAX_RSA_MODULUS_BITS = 16384;

/**
 * Whether an RSA public exponent is one tollgate verifies with: odd and at least 3 (RFC 8017 section
 * 3.1), and under 2^32. A check costs a modular multiplication per bit of the exponent; issuers use
 * 65537 (17 bits), and OpenSSL accepts an exponent as long as a modulus under 3072 bits: measured, a
 * 2048-bit exponent makes a check ~60x dearer, a 32-bit one at most ~1.6x.
 */
export function isAcceptedRsaExponent(e: bigint): boolean {
  return e >= 3n && e < 0x1_0000_0000n && (e & 1n) === 1n;
}

const EC_CURVES: Record<string, string> = { ES256: 'P-256', ES384: 'P-384', ES512: 'P-521' };

/** Whether a JWK's type (and curve) can verify `alg`: prevents key confusion across key types. */
export function keyFitsAlgorithm(jwk: { kty?: unknown; crv?: unknown }, alg: string): boolean {
  if (alg.startsWith('RS') || alg.startsWith('PS')) return jwk.kty === 'RSA';
  if (alg.startsWith('ES')) return jwk.kty === 'EC' && jwk.crv === EC_CURVES[alg];
  if (alg === 'EdDSA' || alg === 'Ed25519') return jwk.kty === 'OKP' && jwk.crv === 'Ed25519';
  return false;
}

export function isSupportedAlgorithm(alg: unknown): alg is Algorithm {
  return typeof alg === 'string' && (SUPPORTED_ALGORITHMS as readonly string[]).includes(alg);
}
