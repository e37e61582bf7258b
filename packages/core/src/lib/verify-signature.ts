// Checks a JWS signature with node:crypto on libuv's thread pool (RFC 7518 section 3, RFC 8037).
import crypto, { constants, type KeyObject } from 'node:crypto';
import { DEFAULT_MAX_RSA_MODULUS_BITS, isAcceptedRsaExponent, MIN_RSA_MODULUS_BITS } from '../algorithms.js';

interface SignatureScheme {
  /** The key type (and EC curve, as OpenSSL names it) the algorithm needs. */
  keyType: 'rsa' | 'ec' | 'ed25519';
  curve?: string;
  /** The digest, or null for Ed25519 (it hashes internally). */
  digest: string | null;
  padding?: number;
  saltLength?: number;
  /** ECDSA: JOSE signatures are r || s of fixed length (RFC 7518 section 3.4), not DER. */
  ecdsaLength?: number;
}

const SCHEMES: Readonly<Record<string, SignatureScheme>> = {
  RS256: { keyType: 'rsa', digest: 'sha256' },
  RS384: { keyType: 'rsa', digest: 'sha384' },
  RS512: { keyType: 'rsa', digest: 'sha512' },
  // RFC 7518 section 3.5: MGF1 with the same hash, salt as long as the hash output.
  PS256: { keyType: 'rsa', digest: 'sha256', padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
  PS384: { keyType: 'rsa', digest: 'sha384', padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 48 },
  PS512: { keyType: 'rsa', digest: 'sha512', padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 64 },
  ES256: { keyType: 'ec', curve: 'prime256v1', digest: 'sha256', ecdsaLength: 64 },
  ES384: { keyType: 'ec', curve: 'secp384r1', digest: 'sha384', ecdsaLength: 96 },
  ES512: { keyType: 'ec', curve: 'secp521r1', digest: 'sha512', ecdsaLength: 132 },
  EdDSA: { keyType: 'ed25519', digest: null },
  Ed25519: { keyType: 'ed25519', digest: null },
};

/**
 * Whether the key is of the type (and size, and curve) the algorithm needs. node:crypto would
 * otherwise check a null-digest "EdDSA" signature with an RSA key as RSA-SHA256: the algorithm
 * named by the token must be the only algorithm that can succeed. RSA keys outside the size and
 * exponent bounds are refused here too, though parseJwks already skipped them: what a check costs
 * must not depend on a key that slipped past key selection.
 */
function keyFits(scheme: SignatureScheme, key: KeyObject, maxRsaModulusBits: number): boolean {
  const details = key.asymmetricKeyDetails;
  if (key.type !== 'public' || key.asymmetricKeyType !== scheme.keyType) return false;
  if (scheme.keyType === 'rsa') {
    const bits = details?.modulusLength ?? 0;
    return bits >= MIN_RSA_MODULUS_BITS && bits <= maxRsaModulusBits && isAcceptedRsaExponent(details?.publicExponent ?? 0n);
  }
  return scheme.curve === undefined || details?.namedCurve === scheme.curve;
}

/**
 * Whether `signature` is `alg`'s signature of `data` under `key`. Never throws: a signature that
 * cannot even be checked (wrong length, a key of another type or size) is simply not valid.
 *
 * The callback form runs on the thread pool, so under load the second core verifies while the event
 * loop parses HTTP; measured against the synchronous form and WebCrypto in bench/signature-paths.js.
 * @param maxRsaModulusBits the largest RSA key checked (`jwks.maxRsaModulusBits`)
 * @example await verifySignature('ES256', key, Buffer.from(signingInput), signature)
 * @see RFC 7518 section 3, RFC 8037 section 3.1
 */
export function verifySignature(
  alg: string,
  key: KeyObject,
  data: Buffer,
  signature: Buffer,
  maxRsaModulusBits: number = DEFAULT_MAX_RSA_MODULUS_BITS,
): Promise<boolean> {
  const scheme = SCHEMES[alg];
  if (!scheme || !keyFits(scheme, key, maxRsaModulusBits)) return Promise.resolve(false);
  if (scheme.ecdsaLength !== undefined && signature.length !== scheme.ecdsaLength) return Promise.resolve(false);
  const options = {
    key,
    ...(scheme.padding === undefined ? {} : { padding: scheme.padding, saltLength: scheme.saltLength }),
    ...(scheme.ecdsaLength === undefined ? {} : { dsaEncoding: 'ieee-p1363' as const }),
  };
  return new Promise((resolve) => {
    try {
      // Looked up on the module at call time, so tests can count signature checks.
      crypto.verify(scheme.digest, data, options, signature, (error, valid) => resolve(!error && valid));
    } catch {
      resolve(false);
    }
  });
}
