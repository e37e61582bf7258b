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
