// Imports and checks a private_key_jwt signing key: private, fit for its algorithm, of a sensible size.
import { createPrivateKey, KeyObject, type JsonWebKey, type webcrypto } from 'node:crypto';
import type { ClientAssertionAlgorithm } from '@tollgate/core';

/** A key ready to sign client assertions. */
export interface SigningKey {
  readonly key: KeyObject;
  readonly kid: string | undefined;
  readonly alg: ClientAssertionAlgorithm;
}

const EC_CURVES: Partial<Record<ClientAssertionAlgorithm, string>> = { ES256: 'prime256v1', ES384: 'secp384r1', ES512: 'secp521r1' };
// RFC 7518 section 3.3: at least 2048 bits. Above 4096 (as for introspection clients) every token request waits tens of milliseconds to sign.
const MIN_RSA_BITS = 2048;
const MAX_RSA_BITS = 4096;

/** The key as a private `KeyObject` that can sign `alg`, or what is wrong with it (never its content). */
export function importPrivateKey(key: object, alg: ClientAssertionAlgorithm): KeyObject | string {
  let keyObject: KeyObject;
  const candidate = key as Partial<KeyObject>;
  if (key instanceof KeyObject || (typeof candidate.export === 'function' && typeof candidate.type === 'string')) keyObject = key as KeyObject;
  else if (typeof (key as webcrypto.CryptoKey).algorithm === 'object' && typeof (key as webcrypto.CryptoKey).extractable === 'boolean') {
    try {
      keyObject = KeyObject.from(key as webcrypto.CryptoKey);
    } catch {
      return 'is not a usable CryptoKey';
    }
  } else {
    if (typeof (key as JsonWebKey).d !== 'string') return 'must be a private key (a JWK with d, a private KeyObject or CryptoKey)';
    try {
      keyObject = createPrivateKey({ key: key as JsonWebKey, format: 'jwk' });
    } catch {
      return 'is not a usable private JWK';
    }
  }
  if (keyObject.type !== 'private') return 'must be a private key, not a public or secret one';
  const type = keyObject.asymmetricKeyType;
  const details = keyObject.asymmetricKeyDetails ?? {};
  let fits: boolean;
  if (alg.startsWith('RS')) fits = type === 'rsa';
  else if (alg.startsWith('PS')) fits = type === 'rsa' || type === 'rsa-pss';
  else if (alg === 'EdDSA') fits = type === 'ed25519';
  else fits = type === 'ec' && details.namedCurve === EC_CURVES[alg];
  if (!fits) return `a ${type ?? 'unknown'} key${details.namedCurve ? ` on ${details.namedCurve}` : ''} cannot sign ${alg}`;
  const bits = details.modulusLength ?? 0;
  if ((type === 'rsa' || type === 'rsa-pss') && bits < MIN_RSA_BITS) return `an RSA key needs at least ${MIN_RSA_BITS} bits (RFC 7518 section 3.3)`;
  if ((type === 'rsa' || type === 'rsa-pss') && bits > MAX_RSA_BITS) return `an RSA key of more than ${MAX_RSA_BITS} bits makes every token request slow to sign; use 2048 to 4096 bits, or an EC key`;
  return keyObject;
}
