// Generates signing keys for the test issuer and describes them as public JWKs.
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';

/** Algorithms the test issuer can sign with. */
export type TestAlgorithm =
  | 'RS256'
  | 'RS384'
  | 'RS512'
  | 'PS256'
  | 'PS384'
  | 'PS512'
  | 'ES256'
  | 'ES384'
  | 'ES512'
  | 'EdDSA';

/** One key pair of the test issuer. */
export interface TestSigningKey {
  /** The key's `kid`: random unless one was given. */
  readonly kid: string;
  /** The algorithm it signs with. */
  readonly alg: TestAlgorithm;
  /** Signs tokens. */
  readonly privateKey: CryptoKey;
  /** Verifies them; served in the JWKS as {@link TestSigningKey.publicJwk}. */
  readonly publicKey: CryptoKey;
  /** The public JWK exactly as the JWKS endpoint serves it (with `kid`, `alg`, `use`). */
  readonly publicJwk: JWK;
  /** Whether the JWKS endpoint lists this key. */
  published: boolean;
}

/**
 * Creates a key pair for `alg`, with `kid` or a fresh random one. The key starts published.
 * @param alg - the algorithm the key signs with
 * @param kid - the key's `kid`; default a random UUID
 * @example
 * const key = await createSigningKey('ES256', 'key-1');
 * key.publicJwk; // { kty: 'EC', crv: 'P-256', x, y, kid: 'key-1', alg: 'ES256', use: 'sig' }
 */
export async function createSigningKey(alg: TestAlgorithm, kid: string = randomUUID()): Promise<TestSigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true, crv: alg === 'EdDSA' ? 'Ed25519' : undefined });
  const jwk = await exportJWK(publicKey);
  return { kid, alg, privateKey, publicKey, publicJwk: { ...jwk, kid, alg, use: 'sig' }, published: true };
}
