// The signature paths bench/signature-paths.js compares: one verify(token) per way of checking a JWS signature.
import crypto from 'node:crypto';

import { compactVerify, jwtVerify } from 'jose';

const { subtle } = globalThis.crypto;
const decoder = new TextDecoder();

/** The paths, in table order. `kind` says whether `verify` returns a value or a promise. */
export const PATHS = [
  { name: 'jose jwtVerify', kind: 'async', note: 'what core uses today: WebCrypto, claims checked too' },
  { name: 'jose compactVerify', kind: 'async', note: 'WebCrypto, signature + JSON.parse(payload) only' },
  { name: 'crypto.verify sync', kind: 'sync', note: 'node:crypto KeyObject on the main thread' },
  { name: 'crypto.verify callback', kind: 'async', note: 'node:crypto KeyObject on the libuv thread pool' },
  { name: 'subtle.verify', kind: 'async', note: 'WebCrypto directly, same CryptoKey as jose' },
];

// RFC 7518 section 3: how each JWS alg maps onto node:crypto and WebCrypto. ES256 signatures are
// r||s (IEEE P1363), not DER; PS256 uses a salt as long as the hash (section 3.5).
const NODE = {
  RS256: (key) => ({ digest: 'sha256', key }),
  PS256: (key) => ({ digest: 'sha256', key: { key, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 } }),
  ES256: (key) => ({ digest: 'sha256', key: { key, dsaEncoding: 'ieee-p1363' } }),
  EdDSA: (key) => ({ digest: null, key }),
};
const WEB = {
  RS256: { name: 'RSASSA-PKCS1-v1_5' },
  PS256: { name: 'RSA-PSS', saltLength: 32 },
  ES256: { name: 'ECDSA', hash: 'SHA-256' },
  EdDSA: { name: 'Ed25519' },
};

/**
 * Splits a compact JWS, checks the header's alg, and parses the payload: the work every hand-rolled
 * path does besides the signature, so it costs about what jose's own parsing costs.
 */
function parse(token, alg) {
  const first = token.indexOf('.');
  const second = token.indexOf('.', first + 1);
  if (first < 1 || second < 0 || token.indexOf('.', second + 1) !== -1) throw new Error('malformed token');
  const header = JSON.parse(Buffer.from(token.slice(0, first), 'base64url').toString());
  if (header.alg !== alg) throw new Error('unexpected alg');
  return {
    payload: JSON.parse(Buffer.from(token.slice(first + 1, second), 'base64url').toString()),
    data: Buffer.from(token.slice(0, second), 'latin1'),
    signature: Buffer.from(token.slice(second + 1), 'base64url'),
  };
}

const invalid = () => new Error('signature verification failed');

/**
 * Returns `{ [path name]: verify(token) }` for one alg. Every verify resolves (or returns) the payload
 * and throws on a bad signature. `cryptoKey` is jose's importJWK result, `keyObject` node's
 * createPublicKey({ format: 'jwk' }) result for the same JWK.
 */
export function createVerifiers(alg, { cryptoKey, keyObject }) {
  const node = NODE[alg](keyObject);
  const web = WEB[alg];
  return {
    'jose jwtVerify': async (token) => (await jwtVerify(token, cryptoKey, { algorithms: [alg] })).payload,
    'jose compactVerify': async (token) => JSON.parse(decoder.decode((await compactVerify(token, cryptoKey, { algorithms: [alg] })).payload)),
    'crypto.verify sync': (token) => {
      const { payload, data, signature } = parse(token, alg);
      if (!crypto.verify(node.digest, data, node.key, signature)) throw invalid();
      return payload;
    },
    'crypto.verify callback': (token) => {
      const { payload, data, signature } = parse(token, alg);
      return new Promise((resolve, reject) => {
        crypto.verify(node.digest, data, node.key, signature, (error, ok) => {
          if (error) reject(error);
          else if (ok) resolve(payload);
          else reject(invalid());
        });
      });
    },
    'subtle.verify': async (token) => {
      const { payload, data, signature } = parse(token, alg);
      if (!(await subtle.verify(web, cryptoKey, signature, data))) throw invalid();
      return payload;
    },
  };
}
