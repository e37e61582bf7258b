// What the chaos did and when: JWKS faults, unknown-kid floods, key lifetimes, requests that risk a miss.
import { JWKS, SLACK_MS } from './options.js';

/** Fault intervals, `off` undefined while on. Bounded by the duration. */
export const faults = [];
/** Flood intervals, `off` undefined while on. */
export const floods = [];
export const faultIsOn = () => faults.length > 0 && faults[faults.length - 1].off === undefined;

/**
 * Whether a JWKS fault could have affected a request over [s, e]: the fault was on at some point
 * before e, and a fetch that failed because of it (at worst one that started as the fault went off and
 * timed out) would still hold its failure cooldown after s.
 */
export function faultMayAffect(s, e) {
  const after = (JWKS.timeout + JWKS.cooldown) * 1000 + SLACK_MS;
  return faults.some((fault) => fault.on <= e && (fault.off === undefined || fault.off + after >= s));
}

/** kid → { publishedAt, retiredAt } for every key of the issuer. */
export const keyInfo = new Map();

// Requests whose kid the issuer does not publish (random kids, retired keys) can make a verifier
// refetch and miss, which starts its unknown-kid cooldown. Tracked per verifier so that the one
// documented 401 (a key younger than one cooldown, while that cooldown runs) is told apart from a
// real 401 window.
export const createMissTracker = () => ({ inflight: 0, sent: 0, lastEnd: Number.NEGATIVE_INFINITY });

/** Whether a verifier's unknown-kid cooldown may be running, or a miss is on its way. */
export const missMayBeFelt = (miss, t) => miss.inflight > 0 || t - miss.lastEnd < JWKS.cooldown * 1000 + SLACK_MS;
