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
  readonly kid: string;
  readonly alg: TestAlgorithm;
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
  /** The public JWK exactly as the JWKS endpoint serves it (with `kid`, `alg`, `use`). */
  readonly publicJwk: JWK;
  /** Whether the JWKS endpoint lists this key. */
  published: boolean;
}

/** Creates a key pair for `alg` with a fresh random `kid`. */
export async function createSigningKey(alg: TestAlgorithm, kid: string = randomUUID()): Promise<TestSigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true, crv: alg === 'EdDSA' ? 'Ed25519' : undefined });
  const jwk = await exportJWK(publicKey);
  return { kid, alg, privateKey, publicKey, publicJwk: { ...jwk, kid, alg, use: 'sig' }, published: true };
}
