// The verifier's view of the JWKS: every response it received, so the invariants know which keys it held.
import { now } from './clock.js';
import { issuer } from './issuer.js';
import { JWKS, JWKS_LATENCY_MS, MAX_RESPONSE_BYTES, MID_FETCH_LATENCY_MS } from './options.js';
import { between } from './random.js';

/**
 * Every JWKS response the verifier received, in completion order: `ok` when the verifier would accept
 * it (2xx, within maxResponseBytes, JSON with a keys array), with the kids it listed. Bounded.
 */
export const jwksLog = [];
const JWKS_LOG_MAX = 2000;

/** Called (once) when the next JWKS document has been produced by the issuer but not yet delivered. */
let onJwksInFlight;

/** Resolves when the next JWKS document has been produced but not yet delivered (see observingFetch). */
export function waitForJwksInFlight() {
  return new Promise((resolve) => (onJwksInFlight = resolve));
}

/** Stops waiting; true if no JWKS response was caught in flight meanwhile. */
export function cancelJwksInFlightWait() {
  if (!onJwksInFlight) return false;
  onJwksInFlight = undefined;
  return true;
}

/**
 * The verifier's `fetch`: the real global fetch, observed, plus the latency of a remote issuer: a JWKS
 * response reaches the verifier JWKS_LATENCY_MS after the issuer produced it (the verifier's own
 * timeout counts it). It never changes what the verifier gets.
 */
export async function observingFetch(url, init) {
  const isJwks = issuer !== undefined && String(url) === issuer.jwksUri;
  const requested = now();
  let response;
  try {
    response = await globalThis.fetch(url, init);
  } catch (error) {
    if (isJwks) logJwks({ started: requested, end: now(), ok: false, kids: new Set() });
    throw error;
  }
  if (!isJwks) return response;
  const started = requested;
  const hook = onJwksInFlight;
  onJwksInFlight = undefined;
  // The response a mid-fetch rotation races gets a long (still within jwks.timeout) latency, so that
  // the new key's first tokens surely reach the verifier while it is waiting for that response.
  const latency = hook ? MID_FETCH_LATENCY_MS : Math.round(between(JWKS_LATENCY_MS));
  // Read a clone on the side: the verifier reads the original as it always does.
  const parsed = (async () => {
    try {
      if (!response.ok) return { ok: false, kids: new Set() };
      const text = await response.clone().text();
      if (Buffer.byteLength(text) > MAX_RESPONSE_BYTES) return { ok: false, kids: new Set() };
      const keys = JSON.parse(text)?.keys;
      return Array.isArray(keys) ? { ok: true, kids: new Set(keys.map((key) => key?.kid)) } : { ok: false, kids: new Set() };
    } catch {
      return { ok: false, kids: new Set() };
    }
  })();
  hook?.();
  const signal = init?.signal;
  try {
    await new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal.reason);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, latency);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  } catch (error) {
    logJwks({ started, end: now(), ok: false, kids: new Set() });
    throw error;
  }
  logJwks({ started, end: now(), ...(await parsed) });
  return response;
}

/** Keeps jwksLog ordered by `end` and bounded. */
function logJwks(entry) {
  let i = jwksLog.length;
  while (i > 0 && jwksLog[i - 1].end > entry.end) i--;
  jwksLog.splice(i, 0, entry);
  if (jwksLog.length > JWKS_LOG_MAX) jwksLog.shift();
}

/** The last accepted JWKS response that completed before `t`. */
function lastOkFetchBefore(t) {
  for (let i = jwksLog.length - 1; i >= 0; i--) if (jwksLog[i].ok && jwksLog[i].end <= t) return jwksLog[i];
  return undefined;
}

/**
 * Whether the verifier certainly held `kid` in a usable key set for the whole request [s, e]: the last
 * accepted JWKS before s listed it, no accepted JWKS without it arrived before e, and that key set was
 * younger than cacheMaxAge + staleIfError throughout.
 */
export function keyWasUsable(kid, s, e) {
  const last = lastOkFetchBefore(s - 100);
  if (!last || !last.kids.has(kid)) return false;
  if (e >= last.end + (JWKS.cacheMaxAge + JWKS.staleIfError) * 1000 - 300) return false;
  for (let i = jwksLog.length - 1; i >= 0 && jwksLog[i].end > last.end; i--) {
    if (jwksLog[i].ok && jwksLog[i].end <= e && !jwksLog[i].kids.has(kid)) return false;
  }
  return true;
}

/**
 * Whether the verifier certainly held a key set without the retired `kid` for the whole request: the
 * last accepted JWKS before s was requested after the key was retired, and no accepted JWKS that still
 * listed it arrived before e. (A key set fetched before the key was even published does not count.)
 */
export function keyWasGone(kid, retiredAt, s, e) {
  const last = lastOkFetchBefore(s - 300);
  if (!last || last.started < retiredAt || last.kids.has(kid)) return false;
  for (let i = jwksLog.length - 1; i >= 0 && jwksLog[i].end > last.end; i--) {
    if (jwksLog[i].ok && jwksLog[i].end <= e + 300 && jwksLog[i].kids.has(kid)) return false;
  }
  return true;
}
