// The soak's tokens: reused pools per active key, the forged and otherwise invalid kinds. (The queues of
// new tokens are per adapter, in targets.js.)
import { randomBytes, randomUUID } from 'node:crypto';

import { encodeJwt, tamperPayload, tamperSignature } from '@tollgate/testing';

import { issuer } from './issuer.js';
import { SCOPE } from './options.js';
import { pickOne } from './random.js';
import { keyInfo } from './timeline.js';

const TOKEN_LIFETIME = 3600;
export const pools = {
  valid: [], // { token, kid }: reused by "clients" for the whole run
  lackingScope: [],
  expired: [],
  wrongAudience: [],
  wrongIssuer: [],
  tampered: [], // payload swapped, signature kept
  badSignature: [], // one character of the signature flipped
  foreignKey: [], // signed by a key the issuer never published, with the kid of one it does
  retired: [],
  algNone: [],
  hs256: [],
  oversized: [],
};
/** The pools that hold tokens of one signing key (dropped when that key is retired). */
export const KEYED_POOLS = ['valid', 'lackingScope', 'expired', 'wrongAudience', 'wrongIssuer', 'tampered', 'badSignature', 'foreignKey'];
const POOL_MAX = 12;
export const pushBounded = (list, item, max = POOL_MAX) => {
  list.push(item);
  if (list.length > max) list.shift();
};

export const active = []; // kids published, oldest first (at most 2)
/** alg → a key of that alg the JWKS never lists: the forger's key. */
const foreignKeys = new Map();
const algOf = (kid) => issuer.keys.find((key) => key.kid === kid).alg;

export const signWith = (kid, claims = {}, options = {}) =>
  issuer.sign({ scope: SCOPE, ...claims }, { kid, expiresIn: TOKEN_LIFETIME, ...options }).then((token) => ({ token, kid }));

/** Mints the reused pools for one active key. */
export async function mintPoolsFor(kid) {
  const nowSeconds = Math.floor(Date.now() / 1000);
  const [v1, v2, v3, scopeless, expired, audience, otherIssuer, forTamper, forged] = await Promise.all([
    signWith(kid, { sub: 'client-a' }),
    signWith(kid, { sub: 'client-b', scope: `${SCOPE} orders:write` }),
    signWith(kid, { sub: 'client-c', scope: undefined, scp: [SCOPE] }),
    signWith(kid, { sub: 'client-d', scope: 'profile orders:write' }),
    signWith(kid, { iat: nowSeconds - 900 }, { now: nowSeconds - 900, expiresIn: 300 }),
    signWith(kid, { aud: 'https://other-api.example.test' }),
    signWith(kid, { iss: 'https://other-issuer.example.test/' }),
    signWith(kid, { sub: 'client-e' }),
    // Same alg as the real key, so that only the signature can give it away.
    signWith(foreignKeys.get(algOf(kid)).kid, { sub: 'client-f' }, { header: { kid } }),
  ]);
  for (const entry of [v1, v2, v3]) pushBounded(pools.valid, entry);
  pushBounded(pools.lackingScope, scopeless);
  pushBounded(pools.expired, expired);
  pushBounded(pools.wrongAudience, audience);
  pushBounded(pools.wrongIssuer, otherIssuer);
  pushBounded(pools.badSignature, { token: tamperSignature(forTamper.token), kid });
  pushBounded(pools.foreignKey, { token: forged.token, kid });
  const claims = JSON.parse(Buffer.from(forTamper.token.split('.')[1], 'base64url'));
  pushBounded(pools.tampered, { token: tamperPayload(forTamper.token, { ...claims, sub: 'mallory', scope: `${SCOPE} orders:admin` }), kid });
}

export function unknownKidToken() {
  // The signature is never checked (the key lookup fails first), so a random one keeps the flood cheap.
  const kid = randomUUID();
  const claims = { ...issuer.defaultClaims(), scope: SCOPE };
  return { token: encodeJwt({ alg: 'RS256', typ: 'at+jwt', kid }, claims, randomBytes(256).toString('base64url')), kid };
}

const b64 = (bytes) => randomBytes(bytes).toString('base64url');
/** Bearer values that are not JWTs at all: 401 invalid_token (malformed). */
export const garbageToken = () =>
  pickOne([
    () => b64(48),
    () => `${b64(12)}.${b64(24)}`,
    () => `${b64(16)}.${b64(32)}.${b64(32)}`,
    () => `${Buffer.from('{"alg":"RS256","kid":').toString('base64url')}.${b64(30)}.${b64(40)}`,
    () => `${Buffer.from('{"alg":"RS256","typ":"at+jwt"}').toString('base64url')}.${Buffer.from('[1,2,3]').toString('base64url')}.${b64(40)}`,
  ])();
/** Authorization headers that RFC 6750 calls malformed requests: 400 invalid_request. */
export const malformedHeader = () =>
  pickOne([
    () => `Basic ${Buffer.from(`user-${b64(6)}:secret`).toString('base64')}`,
    () => `Bearer ${b64(20)} ${b64(20)}`,
    () => 'Bearer',
    () => `Bearer ${b64(10)}!${b64(10)}`,
    () => `Token ${b64(24)}`,
  ])();

/** Registers the issuer's first keys as live since forever and mints every pool the traffic draws from. */
export async function mintInitialTokens() {
  for (const key of issuer.keys) {
    keyInfo.set(key.kid, { publishedAt: Number.NEGATIVE_INFINITY, retiredAt: undefined });
    active.push(key.kid);
  }
  // Created after the keys above were registered: issuer.keys lists them too, but never publishes them.
  for (const alg of new Set(issuer.keys.map((key) => key.alg))) foreignKeys.set(alg, await issuer.rotate({ alg, publish: false }));
  for (const kid of active) await mintPoolsFor(kid);
  for (let i = 0; i < 4; i++) {
    pools.algNone.push({ token: issuer.unsafe.algNone({ scope: SCOPE, sub: `none-${i}` }), kid: undefined });
    pools.hs256.push({ token: issuer.unsafe.hmacWithPublicKey({ scope: SCOPE, sub: `hs-${i}` }), kid: undefined });
  }
  // Over maxTokenLength (8 KiB), otherwise perfectly valid: refused on size alone.
  for (let i = 0; i < 2; i++) pools.oversized.push(await signWith(active[i], { padding: 'x'.repeat(9000 + i * 500) }));
  if (pools.oversized.some(({ token }) => token.length <= 8192)) throw new Error('soak: oversized token is not over 8 KiB');
}
