// Imports and checks a private signing key (client assertions, RFC 7523): private, fit for its algorithm, of a sensible size.
import { createPrivateKey, KeyObject, type JsonWebKey, type webcrypto } from 'node:crypto';
import { MIN_RSA_MODULUS_BITS } from '../algorithms.js';
import type { ClientAssertionAlgorithm } from '../introspection.js';

/** The largest RSA key accepted for signing: each request signs one assertion, and an 8192-bit signature costs about 100 ms of CPU. */
const MAX_SIGNING_RSA_BITS = 4096;

const EC_CURVES: Partial<Record<ClientAssertionAlgorithm, string>> = { ES256: 'prime256v1', ES384: 'secp384r1', ES512: 'secp521r1' };

/** A Node `KeyObject`, told by shape as well, so a copy of Node's class from another realm passes. */
function isKeyObject(key: object): key is KeyObject {
  const candidate = key as Partial<KeyObject>;
  return key instanceof KeyObject || (typeof candidate.export === 'function' && typeof candidate.type === 'string');
}

function isCryptoKey(key: object): key is webcrypto.CryptoKey {
  const candidate = key as Partial<webcrypto.CryptoKey>;
  return typeof candidate.algorithm === 'object' && typeof candidate.extractable === 'boolean';
}

/**
 * A private key (a JWK with `d`, a `KeyObject` or a `CryptoKey`) as a `KeyObject` that can sign `alg`, or a
 * sentence saying what is wrong with it, never its content. RSA keys must have 2048 to 4096 bits (RFC 7518
 * section 3.3 sets the floor; the ceiling keeps every signed request cheap). Shared by core's introspection
 * client and `@tollgate/client`; not meant for application code.
 * @param key - the key as the user gave it
 * @param alg - the algorithm it must sign
 * @param signs - what each signature is for, in the message about oversized keys (`'every token request'`)
 * @example
 * const key = importPrivateKey(privateJwk, 'ES256', 'every token request');
 * if (typeof key === 'string') throw new TollgateConfigError(`privateKey ${key}`);
 * @see RFC 7523 section 3, RFC 7518 section 3.3
 */
export function importPrivateKey(key: object, alg: ClientAssertionAlgorithm, signs: string): KeyObject | string {
  let keyObject: KeyObject;
  if (isKeyObject(key)) keyObject = key;
  else if (isCryptoKey(key)) {
    try {
      keyObject = KeyObject.from(key);
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
  const rsaBits = type === 'rsa' || type === 'rsa-pss' ? (details.modulusLength ?? 0) : undefined;
  if (rsaBits !== undefined && rsaBits < MIN_RSA_MODULUS_BITS) return `an RSA key needs at least ${MIN_RSA_MODULUS_BITS} bits (RFC 7518 section 3.3)`;
  if (rsaBits !== undefined && rsaBits > MAX_SIGNING_RSA_BITS) return `an RSA key of more than ${MAX_SIGNING_RSA_BITS} bits makes ${signs} costly to sign; use 2048 to ${MAX_SIGNING_RSA_BITS} bits, or an EC key`;
  return keyObject;
}
