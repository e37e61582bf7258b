// Key rotation under load: publish a new key, mint from it at once, retire the key before the previous one.
import { now } from './clock.js';
import { chaos, sleep } from './chaos.js';
import { issuer } from './issuer.js';
import { cancelJwksInFlightWait, waitForJwksInFlight } from './jwks-observer.js';
import { CONFIG, JWKS, QUICK } from './options.js';
import { between } from './random.js';
import { queueForAll, targets } from './targets.js';
import { faultIsOn, faultMayAffect, keyInfo, missMayBeFelt } from './timeline.js';
import { active, KEYED_POOLS, mintPoolsFor, pools, pushBounded, signWith } from './tokens.js';

/** A new key, not yet published. */
async function newKey() {
  const alg = chaos.rotations % 2 === 0 ? 'ES256' : 'RS256';
  chaos.rotations += 1;
  return issuer.rotate({ alg, publish: false });
}

/**
 * Publishes `key`, mints from it right away (the tokens that must not meet a window of 401s), and
 * retires the key before the previous one.
 */
async function publishKey(key) {
  issuer.publish(key.kid);
  keyInfo.set(key.kid, { publishedAt: now(), retiredAt: undefined });
  const fresh = await Promise.all(Array.from({ length: 6 }, (_, i) => signWith(key.kid, { sub: `rotated-${i}` })));
  queueForAll('rotated', fresh);
  active.push(key.kid);
  while (active.length > 2) {
    const old = active.shift();
    issuer.retire(old);
    keyInfo.get(old).retiredAt = now();
    // Clients holding tokens of the retired key keep sending them (during floods, see pickJob).
    for (const entry of pools.valid.filter((item) => item.kid === old)) pushBounded(pools.retired, entry);
    for (const list of KEYED_POOLS.map((name) => pools[name])) {
      for (let i = list.length - 1; i >= 0; i--) if (list[i].kid === old) list.splice(i, 1);
    }
  }
  await mintPoolsFor(key.kid);
}

/** No fault, no flood, and neither can still be felt by any verifier: a new key's first uses get no exemption. */
const calm = () => !faultIsOn() && !chaos.flood && !faultMayAffect(now(), now()) && !targets.some((target) => missMayBeFelt(target.miss, now()));

/**
 * Rotations cycle through three modes:
 *  - mid-fetch: new faults and floods are held back until nothing can be felt any more; then the key
 *    is published while a JWKS response produced just before is still on its way to one verifier (a
 *    remote issuer's latency: the race a rotation meets when the cache happens to be refreshing), and
 *    it stays calm for CONFIG.quietHold, so the new key's first uses must all be 200;
 *  - chaotic: whenever the timer says, in the middle of faults and floods;
 *  - calm: as mid-fetch, at any moment of the calm.
 */
export async function rotationLoop() {
  for (let n = 0; !chaos.stopped; n++) {
    await sleep(n === 0 ? 200 : between(CONFIG.rotateEvery) * 1000);
    if (chaos.stopped) break;
    const key = await newKey();
    // The quick run has room for one calm rotation only, and it must leave time for floods and faults.
    const mode = QUICK ? (n === 0 ? 'mid-fetch' : 'chaotic') : ['mid-fetch', 'chaotic', 'calm'][n % 3];
    if (mode === 'chaotic') {
      await publishKey(key);
      continue;
    }
    chaos.quiet = true;
    let deadline = now() + 4000;
    while (!chaos.stopped && now() < deadline && !calm()) await sleep(50);
    if (mode === 'mid-fetch' && !chaos.stopped) {
      // The next JWKS fetch comes within cacheMaxAge (traffic never stops).
      const inFlight = waitForJwksInFlight();
      deadline = now() + (JWKS.cacheMaxAge + 1) * 1000;
      await Promise.race([inFlight, sleep(deadline - now())]);
      if (!cancelJwksInFlightWait()) chaos.midFetchRotations += 1;
    }
    if (!chaos.stopped) {
      if (calm()) chaos.calmRotations += 1;
      await publishKey(key);
      await sleep(CONFIG.quietHold * 1000);
    }
    chaos.quiet = false;
  }
}
