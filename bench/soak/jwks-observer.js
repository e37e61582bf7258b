// Each verifier's view of the JWKS: every response it received, so the invariants know which keys it held.
import { now } from './clock.js';
import { issuer } from './issuer.js';
import { JWKS, JWKS_LATENCY_MS, MAX_RESPONSE_BYTES, MID_FETCH_LATENCY_MS } from './options.js';
import { between } from './random.js';

const JWKS_LOG_MAX = 2000;

/** Called (once) when the next JWKS document, for whichever verifier, has been produced but not yet delivered. */
let onJwksInFlight;

/** Resolves when the next JWKS document has been produced but not yet delivered (see JwksObserver.fetch). */
export function waitForJwksInFlight() {
  return new Promise((resolve) => (onJwksInFlight = resolve));
}

/** Stops waiting; true if no JWKS response was caught in flight meanwhile. */
export function cancelJwksInFlightWait() {
  if (!onJwksInFlight) return false;
  onJwksInFlight = undefined;
  return true;
}

/** Reads a JWKS response the way the verifier judges it: usable or not, and the kids it lists. */
async function readKeySet(response) {
  try {
    if (!response.ok) return { ok: false, kids: new Set() };
    const text = await response.text();
    if (Buffer.byteLength(text) > MAX_RESPONSE_BYTES) return { ok: false, kids: new Set() };
    const keys = JSON.parse(text)?.keys;
    return Array.isArray(keys) ? { ok: true, kids: new Set(keys.map((key) => key?.kid)) } : { ok: false, kids: new Set() };
  } catch {
    return { ok: false, kids: new Set() };
  }
}

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts (the verifier's timeout). */
function delay(ms, signal) {
  return new Promise((resolve, reject) => {
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
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** One verifier's JWKS traffic, seen from its `fetch` option. */
export class JwksObserver {
  /**
   * Every JWKS response this verifier received, in completion order: `ok` when the verifier would
   * accept it (2xx, within maxResponseBytes, JSON with a keys array), with the kids it listed. Bounded.
   */
  log = [];
  /** JWKS requests this verifier started (failed ones included). */
  requests = 0;

  /**
   * The verifier's `fetch`: the real global fetch, observed, plus the latency of a remote issuer: a
   * JWKS response reaches the verifier JWKS_LATENCY_MS after the issuer produced it (the verifier's own
   * timeout counts it). It never changes what the verifier gets.
   */
  fetch = async (url, init) => {
    const isJwks = issuer !== undefined && String(url) === issuer.jwksUri;
    const started = now();
    if (isJwks) this.requests += 1;
    let response;
    try {
      response = await globalThis.fetch(url, init);
    } catch (error) {
      if (isJwks) this.#record({ started, end: now(), ok: false, kids: new Set() });
      throw error;
    }
    if (!isJwks) return response;
    const hook = onJwksInFlight;
    onJwksInFlight = undefined;
    // The response a mid-fetch rotation races gets a long (still within jwks.timeout) latency, so that
    // the new key's first tokens surely reach the verifier while it is waiting for that response.
    const latency = hook ? MID_FETCH_LATENCY_MS : Math.round(between(JWKS_LATENCY_MS));
    // Read a clone on the side: the verifier reads the original as it always does.
    const parsed = readKeySet(response.clone());
    hook?.();
    try {
      await delay(latency, init?.signal);
    } catch (error) {
      this.#record({ started, end: now(), ok: false, kids: new Set() });
      throw error;
    }
    this.#record({ started, end: now(), ...(await parsed) });
    return response;
  };

  /** Keeps the log ordered by `end` and bounded. */
  #record(entry) {
    const { log } = this;
    let i = log.length;
    while (i > 0 && log[i - 1].end > entry.end) i--;
    log.splice(i, 0, entry);
    if (log.length > JWKS_LOG_MAX) log.shift();
  }

  /** The last accepted JWKS response that completed before `t`. */
  #lastOkBefore(t) {
    const { log } = this;
    for (let i = log.length - 1; i >= 0; i--) if (log[i].ok && log[i].end <= t) return log[i];
    return undefined;
  }

  /**
   * Whether the verifier certainly held `kid` in a usable key set for the whole request [s, e]: the last
   * accepted JWKS before s listed it, no accepted JWKS without it arrived before e, and that key set was
   * younger than cacheMaxAge + staleIfError throughout.
   */
  keyWasUsable(kid, s, e) {
    const { log } = this;
    const last = this.#lastOkBefore(s - 100);
    if (!last || !last.kids.has(kid)) return false;
    if (e >= last.end + (JWKS.cacheMaxAge + JWKS.staleIfError) * 1000 - 300) return false;
    for (let i = log.length - 1; i >= 0 && log[i].end > last.end; i--) {
      if (log[i].ok && log[i].end <= e && !log[i].kids.has(kid)) return false;
    }
    return true;
  }

  /**
   * Whether the verifier certainly held a key set without the retired `kid` for the whole request: the
   * last accepted JWKS before s was requested after the key was retired, and no accepted JWKS that still
   * listed it arrived before e. (A key set fetched before the key was even published does not count.)
   */
  keyWasGone(kid, retiredAt, s, e) {
    const { log } = this;
    const last = this.#lastOkBefore(s - 300);
    if (!last || last.started < retiredAt || last.kids.has(kid)) return false;
    for (let i = log.length - 1; i >= 0 && log[i].end > last.end; i--) {
      if (log[i].ok && log[i].end <= e + 300 && log[i].kids.has(kid)) return false;
    }
    return true;
  }
}
