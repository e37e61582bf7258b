// The floor row: node:crypto.verify with a prepared KeyObject, i.e. the signature check and nothing else.
import { createPublicKey, verify } from 'node:crypto';

// JWS algorithm → the digest node:crypto wants (EdDSA: none, the curve fixes it) and the ECDSA signature form.
const PARAMS = {
  RS256: { digest: 'sha256' },
  ES256: { digest: 'sha256', dsaEncoding: 'ieee-p1363' }, // RFC 7518 section 3.4: r || s, not DER
  EdDSA: { digest: null },
};

/**
 * A `(token) => payload` that checks the signature with the issuer's key for `alg` (imported once,
 * before timing) and parses the payload: no header checks, no key lookup, no claim checks. Nothing a
 * real verifier could skip, so no library can beat it by much; it is the bar the others are read against.
 */
export function cryptoFloor(issuer, alg) {
  const params = PARAMS[alg];
  const signingKey = issuer.keys.find((key) => key.alg === alg);
  if (!params || !signingKey) throw new Error(`crypto floor: no key or parameters for ${alg}`);
  const key = createPublicKey({ key: signingKey.publicJwk, format: 'jwk' });
  return (token) => {
    const payloadEnd = token.lastIndexOf('.');
    const signature = Buffer.from(token.slice(payloadEnd + 1), 'base64url');
    const signed = Buffer.from(token.slice(0, payloadEnd));
    const valid = verify(params.digest, signed, params.dsaEncoding ? { key, dsaEncoding: params.dsaEncoding } : key, signature);
    if (!valid) throw new Error('signature verification failed');
    return JSON.parse(Buffer.from(token.slice(token.indexOf('.') + 1, payloadEnd), 'base64url').toString());
  };
}
