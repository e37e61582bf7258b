// Soak test: an Express 5 app behind @tollgate/express, driven over real HTTP for a fixed time while
// keys rotate and the JWKS endpoint fails on and off. Every response is checked against the invariants
// below; violations are counted (never thrown) and the process exits 1 if there was any.
//
//   node --expose-gc bench/soak.js           full run: 60 s of traffic
//   node --expose-gc bench/soak.js --quick   5 s of traffic (CI)
//   options: --seed=N (traffic mix and chaos timings; printed at the start), --duration=S (1..600),
//            --verbose (the timeline of JWKS responses, faults, floods and key events, to stderr)
//
// Runs on the BUILT packages (`tsc -b` first). Only 127.0.0.1; the duration, concurrency, token pools
// and every list the script keeps are bounded; servers, the agent and the issuer are closed at the end
// and the process exits by itself (if a handle leaked, it says which and exits 1).
//
// Invariants, per response:
//   - no 5xx except 503 temporarily_unavailable with Retry-After; no client timeout; no connection error;
//   - the status is one the token kind allows (see judge()): valid → 200; lacking the scope → 403 with
//     scope="orders:read"; missing → 401 with a bare challenge; invalid → 401 invalid_token or 400
//     invalid_request. A 503 is allowed only while a JWKS fault is on (or its failure cooldown runs)
//     AND the token's key was not usable from the cache (stale-if-error must cover a cached key); a key
//     just rotated in must verify at once, also when it is published while a JWKS refetch is on its way
//     (the one documented exception: a key younger than one cooldown while a flood of unknown kids keeps
//     the unknown-kid cooldown running, README "Rotation without a window of 401s"); a retired key stops
//     verifying once the verifier has a key set without it;
//   - no body or header contains the token, a stack trace or key material.
// Per run: heap growth after forced GC (after warm-up vs end) under a bound; JWKS fetches (issuer-side
// count) under the bound the cache design allows; no discovery refetch.
import http from 'node:http';
import { randomBytes, randomUUID } from 'node:crypto';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { setImmediate as tick } from 'node:timers/promises';
import v8 from 'node:v8';
import vm from 'node:vm';

import express from 'express';
import { requireAuth, requireScope, tollgateErrorHandler } from '@tollgate/express';
import { createTestIssuer, encodeJwt, tamperPayload } from '@tollgate/testing';

// ---------------------------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------------------------

const argv = process.argv.slice(2);
const QUICK = argv.includes('--quick');
const argValue = (name) => argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
const SEED = Number(argValue('seed') ?? Math.floor(Math.random() * 2 ** 31));
const DURATION_ARG = argValue('duration');
const VERBOSE = argv.includes('--verbose');

// Ranges are [min, max] seconds between two events of that kind (or how long a state lasts);
// quietHold: how long a quiet rotation keeps faults and floods away after publishing the key.
const CONFIG = QUICK
  ? {
      duration: 5,
      concurrency: 16,
      rotateEvery: [0.6, 1.0],
      faultOff: [0.3, 0.6],
      faultOn: [0.4, 0.7],
      quietHold: 0.8,
      floodOff: [0.8, 1.6],
      floodOn: [0.4, 0.9],
      burstEvery: [0.6, 1.0],
      burstSize: 20,
    }
  : {
      duration: 60,
      concurrency: 16,
      rotateEvery: [3.5, 6],
      faultOff: [2.5, 5],
      faultOn: [0.8, 2],
      quietHold: 1.5,
      floodOff: [3, 6],
      floodOn: [1, 2.5],
      burstEvery: [1.5, 3],
      burstSize: 60,
    };
if (DURATION_ARG !== undefined) {
  const seconds = Number(DURATION_ARG);
  if (!(seconds >= 1 && seconds <= 600)) throw new Error('--duration must be between 1 and 600 seconds');
  CONFIG.duration = seconds;
}
if (!Number.isSafeInteger(SEED)) throw new Error('--seed must be an integer');

// Small JWKS timings so that the cache expires, refetches, cools down and serves stale keys many times.
const JWKS = { cacheMaxAge: 2, cooldown: 1, timeout: 0.5, staleIfError: 3 }; // seconds
const MAX_RESPONSE_BYTES = 256 * 1024; // tollgate's default jwks.maxResponseBytes
const SLOW_FAULT_MS = 1500; // well beyond jwks.timeout
const FAULT_SLICE_MS = 500; // a fault period changes kind this often
const JWKS_LATENCY_MS = [10, 80]; // a remote issuer: JWKS responses arrive this long after they were produced
const MID_FETCH_LATENCY_MS = 150; // the response a mid-fetch rotation races (well under jwks.timeout)
const REQUEST_TIMEOUT_MS = 5000; // a response later than this is a hang
const SLACK_MS = 500; // event-loop lag on a shared 2-core box, for every timing-based allowance
// Generous against what is bounded (1000 cached verifications at ~3 KB, a few key sets: ~5 MB), yet
// tight enough that a leak of ~200 bytes per request over the full run's ~120k requests trips it.
const HEAP_GROWTH_BOUND = 20 * 1024 * 1024;
const SCOPE = 'orders:read';
const REALM = 'api';
const MAX_EXAMPLES = 10;
const NEW_TOKEN_CONNECTIONS = 2; // of CONFIG.concurrency

const startedAt = performance.now();
const now = () => performance.now();
const secs = (ms) => (ms / 1000).toFixed(2);

// If the process is still alive this long after the end, some handle leaked: say which, and fail.
const leakGuard = (delayMs) =>
  setTimeout(() => {
    console.error('soak: process did not exit; open resources:', process.getActiveResourcesInfo());
    process.exit(1);
  }, delayMs).unref();

// mulberry32: a small seeded PRNG, so a failing mix can be replayed with --seed.
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = prng(SEED);
const between = ([min, max]) => min + (max - min) * random();
const pickOne = (list) => list[Math.floor(random() * list.length)];

// ---------------------------------------------------------------------------------------------
// What the run observes: JWKS fetches as the verifier saw them, faults, keys, the unknown-kid flood
// ---------------------------------------------------------------------------------------------

/**
 * Every JWKS response the verifier received, in completion order: `ok` when the verifier would accept
 * it (2xx, within maxResponseBytes, JSON with a keys array), with the kids it listed. Bounded.
 */
const jwksLog = [];
const JWKS_LOG_MAX = 2000;
let issuerRef;

/** Called (once) when the next JWKS document has been produced by the issuer but not yet delivered. */
let onJwksInFlight;

/**
 * The verifier's `fetch`: the real global fetch, observed, plus the latency of a remote issuer: a JWKS
 * response reaches the verifier JWKS_LATENCY_MS after the issuer produced it (the verifier's own
 * timeout counts it). It never changes what the verifier gets.
 */
async function observingFetch(url, init) {
  const isJwks = issuerRef !== undefined && String(url) === issuerRef.jwksUri;
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
function keyWasUsable(kid, s, e) {
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
function keyWasGone(kid, retiredAt, s, e) {
  const last = lastOkFetchBefore(s - 300);
  if (!last || last.started < retiredAt || last.kids.has(kid)) return false;
  for (let i = jwksLog.length - 1; i >= 0 && jwksLog[i].end > last.end; i--) {
    if (jwksLog[i].ok && jwksLog[i].end <= e + 300 && jwksLog[i].kids.has(kid)) return false;
  }
  return true;
}

/** Fault intervals, `off` undefined while on. Bounded by the duration. */
const faults = [];
/**
 * Whether a JWKS fault could have affected a request over [s, e]: the fault was on at some point
 * before e, and a fetch that failed because of it (at worst one that started as the fault went off and
 * timed out) would still hold its failure cooldown after s.
 */
function faultMayAffect(s, e) {
  const after = (JWKS.timeout + JWKS.cooldown) * 1000 + SLACK_MS;
  return faults.some((fault) => fault.on <= e && (fault.off === undefined || fault.off + after >= s));
}
/** Flood intervals, `off` undefined while on. */
const floods = [];
const faultIsOn = () => faults.length > 0 && faults[faults.length - 1].off === undefined;

/** kid → { publishedAt, retiredAt } for every key of the issuer. */
const keyInfo = new Map();

// Requests whose kid the issuer does not publish (random kids, retired keys) can make the verifier
// refetch and miss, which starts the unknown-kid cooldown. Tracked so that the one documented 401
// (a key younger than one cooldown, while that cooldown runs) is told apart from a real 401 window.
const miss = { inflight: 0, sent: 0, lastEnd: Number.NEGATIVE_INFINITY };

// ---------------------------------------------------------------------------------------------
// Results
// ---------------------------------------------------------------------------------------------

const STATUS_COLUMNS = ['200', '400', '401', '403', '503', 'other', 'timeout', 'conn error'];
const KINDS = [
  'valid (reused)',
  'new token (burst)',
  'rotated key',
  'lacking scope',
  'expired',
  'wrong audience',
  'tampered',
  'alg none',
  'HS256 key confusion',
  'garbage',
  'malformed header',
  'oversized',
  'missing',
  'unknown kid (flood)',
  'retired key',
];
const table = new Map(KINDS.map((kind) => [kind, new Map()]));
const violations = { total: 0, byRule: new Map(), examples: [] };
const notes = { floodRefusals: 0, allowed503: 0, retiredStillValid: 0, retiredRefused: 0, strict: 0, strictRotated: 0 };
let measuredRequests = 0;

function count(kind, column) {
  const row = table.get(kind);
  row.set(column, (row.get(column) ?? 0) + 1);
}

function violation(rule, job, result, detail) {
  violations.total += 1;
  violations.byRule.set(rule, (violations.byRule.get(rule) ?? 0) + 1);
  if (violations.examples.length < MAX_EXAMPLES) {
    const redact = (text) => (job.token && text ? text.split(job.token).join('<token>') : text);
    violations.examples.push({
      at: `${secs(job.sentAt - runStart)} s`,
      rule,
      kind: job.kind,
      status: result.status ?? result.error?.code ?? 'none',
      detail: redact(detail ?? ''),
      challenge: redact(result.headers?.['www-authenticate'] ?? ''),
      body: redact((result.body ?? '').slice(0, 200)),
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Tokens
// ---------------------------------------------------------------------------------------------

const TOKEN_LIFETIME = 3600;
const pools = {
  valid: [], // { token, kid }: reused by "clients" for the whole run
  lackingScope: [],
  expired: [],
  wrongAudience: [],
  tampered: [],
  retired: [],
  algNone: [],
  hs256: [],
  oversized: [],
};
const queues = { rotated: [], burst: [] };
const POOL_MAX = 12;
const pushBounded = (list, item, max = POOL_MAX) => {
  list.push(item);
  if (list.length > max) list.shift();
};

let issuer;
const active = []; // kids published, oldest first (at most 2)

const signWith = (kid, claims = {}, options = {}) =>
  issuer.sign({ scope: SCOPE, ...claims }, { kid, expiresIn: TOKEN_LIFETIME, ...options }).then((token) => ({ token, kid }));

/** Mints the reused pools for one active key. */
async function mintPoolsFor(kid) {
  const nowSeconds = Math.floor(Date.now() / 1000);
  const [v1, v2, v3, scopeless, expired, audience, forTamper] = await Promise.all([
    signWith(kid, { sub: 'client-a' }),
    signWith(kid, { sub: 'client-b', scope: `${SCOPE} orders:write` }),
    signWith(kid, { sub: 'client-c', scope: undefined, scp: [SCOPE] }),
    signWith(kid, { sub: 'client-d', scope: 'profile orders:write' }),
    signWith(kid, { iat: nowSeconds - 900 }, { now: nowSeconds - 900, expiresIn: 300 }),
    signWith(kid, { aud: 'https://other-api.example.test' }),
    signWith(kid, { sub: 'client-e' }),
  ]);
  for (const entry of [v1, v2, v3]) pushBounded(pools.valid, entry);
  pushBounded(pools.lackingScope, scopeless);
  pushBounded(pools.expired, expired);
  pushBounded(pools.wrongAudience, audience);
  const claims = JSON.parse(Buffer.from(forTamper.token.split('.')[1], 'base64url'));
  pushBounded(pools.tampered, { token: tamperPayload(forTamper.token, { ...claims, sub: 'mallory', scope: `${SCOPE} orders:admin` }), kid });
}

function unknownKidToken() {
  // The signature is never checked (the key lookup fails first), so a random one keeps the flood cheap.
  const kid = randomUUID();
  const claims = { ...issuer.defaultClaims(), scope: SCOPE };
  return { token: encodeJwt({ alg: 'RS256', typ: 'at+jwt', kid }, claims, randomBytes(256).toString('base64url')), kid };
}

const b64 = (bytes) => randomBytes(bytes).toString('base64url');
/** Bearer values that are not JWTs at all: 401 invalid_token (malformed). */
const garbageToken = () =>
  pickOne([
    () => b64(48),
    () => `${b64(12)}.${b64(24)}`,
    () => `${b64(16)}.${b64(32)}.${b64(32)}`,
    () => `${Buffer.from('{"alg":"RS256","kid":').toString('base64url')}.${b64(30)}.${b64(40)}`,
    () => `${Buffer.from('{"alg":"RS256","typ":"at+jwt"}').toString('base64url')}.${Buffer.from('[1,2,3]').toString('base64url')}.${b64(40)}`,
  ])();
/** Authorization headers that RFC 6750 calls malformed requests: 400 invalid_request. */
const malformedHeader = () =>
  pickOne([
    () => `Basic ${Buffer.from(`user-${b64(6)}:secret`).toString('base64')}`,
    () => `Bearer ${b64(20)} ${b64(20)}`,
    () => 'Bearer',
    () => `Bearer ${b64(10)}!${b64(10)}`,
    () => `Token ${b64(24)}`,
  ])();

// ---------------------------------------------------------------------------------------------
// Chaos: key rotation, JWKS faults, the unknown-kid flood, bursts of new tokens
// ---------------------------------------------------------------------------------------------

const chaos = {
  stopped: false,
  sleepers: new Set(),
  rotations: 0,
  calmRotations: 0,
  midFetchRotations: 0,
  faultsStarted: 0,
  toggles: 0,
  bursts: 0,
  floods: 0,
  flood: false,
  // While set, no new fault or flood starts: a quiet rotation is under way (the first one is, from the start).
  quiet: true,
};
const FAULT_KINDS = [
  { kind: 'down' },
  { kind: 'slow', delayMs: SLOW_FAULT_MS },
  { kind: 'error', status: 500 },
  { kind: 'invalid-json' },
  { kind: 'oversized' },
];

function sleep(ms) {
  if (chaos.stopped) return Promise.resolve();
  return new Promise((resolve) => {
    const sleeper = { resolve, timer: setTimeout(() => chaos.sleepers.delete(sleeper) && resolve(), ms) };
    chaos.sleepers.add(sleeper);
  });
}

function stopChaos() {
  chaos.stopped = true;
  for (const sleeper of chaos.sleepers) {
    clearTimeout(sleeper.timer);
    sleeper.resolve();
  }
  chaos.sleepers.clear();
}

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
  queues.rotated.push(...fresh);
  active.push(key.kid);
  while (active.length > 2) {
    const old = active.shift();
    issuer.retire(old);
    keyInfo.get(old).retiredAt = now();
    // Clients holding tokens of the retired key keep sending them (during floods, see pickJob).
    for (const entry of pools.valid.filter((item) => item.kid === old)) pushBounded(pools.retired, entry);
    for (const list of [pools.valid, pools.lackingScope, pools.expired, pools.wrongAudience, pools.tampered]) {
      for (let i = list.length - 1; i >= 0; i--) if (list[i].kid === old) list.splice(i, 1);
    }
  }
  await mintPoolsFor(key.kid);
}

/** No fault, no flood, and neither can still be felt: a new key's first uses get no exemption. */
const calm = () =>
  !faultIsOn() &&
  !chaos.flood &&
  !faultMayAffect(now(), now()) &&
  miss.inflight === 0 &&
  now() - miss.lastEnd > JWKS.cooldown * 1000 + SLACK_MS;

/**
 * Rotations cycle through three modes:
 *  - mid-fetch: new faults and floods are held back until nothing can be felt any more; then the key
 *    is published while a JWKS response produced just before is still on its way to the verifier (a
 *    remote issuer's latency: the race a rotation meets when the cache happens to be refreshing), and
 *    it stays calm for CONFIG.quietHold, so the new key's first uses must all be 200;
 *  - chaotic: whenever the timer says, in the middle of faults and floods;
 *  - calm: as mid-fetch, at any moment of the calm.
 */
async function rotationLoop() {
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
      const inFlight = new Promise((resolve) => (onJwksInFlight = resolve));
      deadline = now() + (JWKS.cacheMaxAge + 1) * 1000;
      await Promise.race([inFlight, sleep(deadline - now())]);
      if (onJwksInFlight) onJwksInFlight = undefined;
      else chaos.midFetchRotations += 1;
    }
    if (!chaos.stopped) {
      if (calm()) chaos.calmRotations += 1;
      await publishKey(key);
      await sleep(CONFIG.quietHold * 1000);
    }
    chaos.quiet = false;
  }
}

async function faultLoop() {
  let next = Math.floor(random() * FAULT_KINDS.length);
  while (!chaos.stopped) {
    // The pause starts after any quiet rotation, so a flood (which starts as soon as the quiet ends)
    // also gets time on its own.
    while (chaos.quiet && !chaos.stopped) await sleep(50);
    await sleep(between(CONFIG.faultOff) * 1000);
    while (chaos.quiet && !chaos.stopped) await sleep(50);
    if (chaos.stopped) break;
    chaos.faultsStarted += 1;
    chaos.toggles += 1;
    // Every other fault outlasts cacheMaxAge: it spans an expiry refetch, so the keys are served stale
    // (staleIfError) for the rest of it. The others are short. While on, the kind changes every
    // FAULT_SLICE_MS, so even the quick run meets all five.
    const long = chaos.faultsStarted % 2 === 1;
    const endAt = now() + (long ? JWKS.cacheMaxAge + between([0.3, 0.6]) : between(CONFIG.faultOn)) * 1000;
    do {
      const fault = FAULT_KINDS[next++ % FAULT_KINDS.length];
      issuer.setFault(fault, 'jwks');
      faults.push({ on: now(), off: undefined, kind: fault.kind });
      await sleep(Math.max(0, Math.min(FAULT_SLICE_MS, endAt - now())));
      faults[faults.length - 1].off = now();
    } while (!chaos.stopped && now() < endAt - 50);
    issuer.setFault(null);
    chaos.toggles += 1;
  }
}

async function floodLoop() {
  while (!chaos.stopped) {
    await sleep(between(CONFIG.floodOff) * 1000);
    while (chaos.quiet && !chaos.stopped) await sleep(50);
    if (chaos.stopped) break;
    chaos.flood = true;
    chaos.floods += 1;
    floods.push({ on: now(), off: undefined });
    await sleep(between(CONFIG.floodOn) * 1000);
    chaos.flood = false;
    floods[floods.length - 1].off = now();
  }
}

async function burstLoop() {
  while (!chaos.stopped) {
    await sleep(between(CONFIG.burstEvery) * 1000);
    if (chaos.stopped) break;
    const kid = active[active.length - 1];
    // Minted in batches of 20 so the event loop (and so the traffic) keeps moving.
    for (let i = 0; i < CONFIG.burstSize && !chaos.stopped; i += 20) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(20, CONFIG.burstSize - i) }, (_, j) => signWith(kid, { sub: `burst-${chaos.bursts}-${i + j}` })),
      );
      queues.burst.push(...batch);
    }
    chaos.bursts += 1;
    if (queues.burst.length > 4 * CONFIG.burstSize) queues.burst.splice(0, queues.burst.length - 4 * CONFIG.burstSize);
  }
}

// ---------------------------------------------------------------------------------------------
// Traffic
// ---------------------------------------------------------------------------------------------

// Relative weights of the steady mix; a flood adds unknown kids (and tokens of retired keys) on top.
const MIX = [
  ['valid (reused)', 55],
  ['lacking scope', 6],
  ['expired', 4],
  ['wrong audience', 4],
  ['tampered', 4],
  ['alg none', 3],
  ['HS256 key confusion', 2],
  ['garbage', 3],
  ['malformed header', 3],
  ['oversized', 2],
  ['missing', 3],
];
const FLOOD_MIX = [...MIX, ['unknown kid (flood)', 30], ['retired key', 4]];
const weightOf = (mix) => mix.reduce((sum, [, weight]) => sum + weight, 0);
const MIX_TOTAL = weightOf(MIX);
const FLOOD_TOTAL = weightOf(FLOOD_MIX);

const bearer = (entry) => ({ token: entry.token, kid: entry.kid, authorization: `Bearer ${entry.token}` });

/** The next request: which kind, which token, which Authorization header. */
function pickJob() {
  if (queues.rotated.length > 0) return { kind: 'rotated key', ...bearer(queues.rotated.shift()) };
  if (queues.burst.length > 0 && random() < 0.5) return { kind: 'new token (burst)', ...bearer(queues.burst.shift()) };
  const mix = chaos.flood ? FLOOD_MIX : MIX;
  let roll = random() * (chaos.flood ? FLOOD_TOTAL : MIX_TOTAL);
  let kind = mix[0][0];
  for (const [name, weight] of mix) {
    if ((roll -= weight) < 0) {
      kind = name;
      break;
    }
  }
  switch (kind) {
    case 'valid (reused)':
      return { kind, ...bearer(pickOne(pools.valid)) };
    case 'lacking scope':
      return { kind, ...bearer(pickOne(pools.lackingScope)) };
    case 'expired':
      return { kind, ...bearer(pickOne(pools.expired)) };
    case 'wrong audience':
      return { kind, ...bearer(pickOne(pools.wrongAudience)) };
    case 'tampered':
      return { kind, ...bearer(pickOne(pools.tampered)) };
    case 'alg none':
      return { kind, ...bearer(pickOne(pools.algNone)), kid: undefined };
    case 'HS256 key confusion':
      return { kind, ...bearer(pickOne(pools.hs256)), kid: undefined };
    case 'oversized':
      return { kind, ...bearer(pickOne(pools.oversized)), kid: undefined };
    case 'garbage': {
      const token = garbageToken();
      return { kind, token, kid: undefined, authorization: `Bearer ${token}` };
    }
    case 'malformed header': {
      const authorization = malformedHeader();
      return { kind, token: authorization.split(' ')[1] ?? undefined, kid: undefined, authorization };
    }
    case 'missing':
      return { kind, token: undefined, kid: undefined, authorization: undefined };
    case 'unknown kid (flood)':
      return { kind, ...bearer(unknownKidToken()), unknownKid: true };
    case 'retired key':
      return pools.retired.length > 0 ? { kind, ...bearer(pickOne(pools.retired)) } : { kind: 'unknown kid (flood)', ...bearer(unknownKidToken()), unknownKid: true };
    default:
      throw new Error(`no such kind ${kind}`);
  }
}

let agent;
let port;

/** One GET /orders; resolves { status, headers, body } or { error } (timeout or connection error). */
function send(authorization) {
  return new Promise((resolve) => {
    const headers = authorization === undefined ? {} : { authorization };
    const req = http.request({ host: '127.0.0.1', port, path: '/orders', method: 'GET', agent, headers }, (res) => {
      const chunks = [];
      let size = 0;
      res.on('data', (chunk) => {
        if (size < 64 * 1024) chunks.push(chunk);
        size += chunk.length;
      });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (error) => resolve({ error }));
    });
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(Object.assign(new Error('request timed out'), { code: 'SOAK_TIMEOUT' })));
    req.on('error', (error) => resolve({ error }));
    req.end();
  });
}

const STACK = [/\bat [^\s]+ \(/, /^\s*at /m, /\.js:\d/, /\.ts:\d/, /\/src\//, /node:internal/];
const KEY_MATERIAL = ['"d":', '"n":', '"x":', '"y":', '"p":', '"q":', '-----BEGIN'];

function parseChallenge(value) {
  const params = {};
  if (typeof value !== 'string') return undefined;
  const match = /^Bearer(?: (.*))?$/.exec(value);
  if (!match) return undefined;
  for (const [, name, quoted] of (match[1] ?? '').matchAll(/([a-z_]+)="((?:[^"\\]|\\.)*)"/g)) params[name] = quoted;
  return params;
}

/** Checks one response; records the counts and any violation. */
function judge(job, result) {
  const { kind } = job;
  const s = job.sentAt;
  const e = job.doneAt;
  if (result.error) {
    const timeout = result.error.code === 'SOAK_TIMEOUT';
    count(kind, timeout ? 'timeout' : 'conn error');
    violation(timeout ? 'hang (client timeout)' : 'connection error', job, result, result.error.message);
    return;
  }
  const { status, headers, body } = result;
  count(kind, STATUS_COLUMNS.includes(String(status)) ? String(status) : 'other');

  // --- never leaks: the token, a stack trace, key material (every response, every kind)
  const headerText = Object.entries(headers)
    .map(([name, value]) => `${name}: ${Array.isArray(value) ? value.join(', ') : value}`)
    .join('\n');
  const everything = `${headerText}\n${body}`;
  if (job.token && job.token.length >= 8 && everything.includes(job.token)) violation('token echoed', job, result);
  const signature = job.token?.split('.')[2];
  if (signature && signature.length >= 16 && everything.includes(signature)) violation('token signature echoed', job, result);
  if (STACK.some((pattern) => pattern.test(everything))) violation('stack trace in response', job, result);
  if (KEY_MATERIAL.some((needle) => everything.includes(needle))) violation('key material in response', job, result);

  // --- well-formed refusals
  const challenge = parseChallenge(headers['www-authenticate']);
  let json;
  try {
    json = JSON.parse(body);
  } catch {
    json = undefined;
  }
  if (status >= 500 && status !== 503) {
    violation('5xx other than 503', job, result);
    return;
  }
  if (status >= 400) {
    if (!challenge || challenge.realm !== REALM) violation('refusal without a Bearer challenge', job, result);
    else if ((json?.error ?? undefined) !== (challenge.error ?? undefined)) violation('body error differs from challenge', job, result);
    if (headers['cache-control'] !== 'no-store') violation('refusal without Cache-Control: no-store', job, result);
  }
  if (status === 503) {
    if (challenge?.error !== 'temporarily_unavailable') violation('503 that is not temporarily_unavailable', job, result);
    const retryAfter = Number(headers['retry-after']);
    if (!(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= JWKS.cooldown + 1)) violation('503 without a sound Retry-After', job, result);
  }
  if (status === 401 && challenge?.error !== undefined && challenge.error !== 'invalid_token') violation('401 that is not invalid_token', job, result);
  if (status === 400 && challenge?.error !== 'invalid_request') violation('400 that is not invalid_request', job, result);
  if (status === 403 && (challenge?.error !== 'insufficient_scope' || challenge.scope !== SCOPE)) violation(`403 without insufficient_scope, scope="${SCOPE}"`, job, result);
  if (status === 200 && json?.ok !== true) violation('200 without the handler body', job, result);

  // --- the status this kind of token allows
  const code = challenge?.error;
  const may503 = () => faultMayAffect(s, e) && !(job.kid && !job.unknownKid && keyWasUsable(job.kid, s, e));
  const allow503 = (reason) => {
    if (status !== 503) return false;
    if (may503()) {
      notes.allowed503 += 1;
      return true;
    }
    violation(faultMayAffect(s, e) ? '503 although the key was cached and usable' : `503 with no JWKS fault (${reason})`, job, result);
    return true;
  };
  switch (kind) {
    case 'missing':
      if (!(status === 401 && challenge && challenge.error === undefined && Object.keys(challenge).join() === 'realm')) {
        violation('missing token: not a 401 with a bare challenge', job, result);
      }
      return;
    case 'malformed header':
      if (!(status === 400 && code === 'invalid_request')) violation('malformed header: not 400 invalid_request', job, result);
      return;
    case 'alg none':
    case 'HS256 key confusion':
    case 'garbage':
    case 'oversized':
      // Refused before any key is needed: never a 503.
      if (!(status === 401 && code === 'invalid_token')) violation(`${kind}: not 401 invalid_token`, job, result);
      return;
    case 'unknown kid (flood)':
      if (allow503('unknown kid')) return;
      if (!(status === 401 && code === 'invalid_token')) violation('unknown kid: not 401 invalid_token', job, result);
      return;
    case 'expired':
    case 'wrong audience':
    case 'tampered':
      if (allow503(kind)) return;
      if (!(status === 401 && code === 'invalid_token')) violation(`${kind}: not 401 invalid_token`, job, result);
      return;
    default:
      judgeSigned(job, result, code, allow503);
  }
}

/** Correctly signed tokens: valid, new, rotated, lacking scope, retired. */
function judgeSigned(job, result, code, allow503) {
  const { kind, kid } = job;
  const s = job.sentAt;
  const e = job.doneAt;
  const expected = kind === 'lacking scope' ? 403 : 200;
  const info = keyInfo.get(kid);
  const retired = info?.retiredAt !== undefined && info.retiredAt <= e;
  const { status } = result;
  // Requests with no exemption in reach (no fault, no flood, key live): only the expected status will do.
  if (!retired && !faultMayAffect(s, e) && !(job.missRiskAtSend || job.missSeq !== miss.sent || miss.inflight > 0)) {
    notes.strict += 1;
    if (kind === 'rotated key') notes.strictRotated += 1;
  }
  if (status === expected) {
    if (retired && keyWasGone(kid, info.retiredAt, s, e)) violation('retired key still verifies after a JWKS without it', job, result);
    else if (retired) notes.retiredStillValid += 1;
    return;
  }
  if (allow503(kind)) return;
  if (status === 401 && code === 'invalid_token') {
    if (retired && !keyWasUsable(kid, s, e)) {
      notes.retiredRefused += 1;
      return;
    }
    // The documented cost of the unknown-kid cooldown: while a flood keeps it running, a key younger
    // than one cooldown may be refused until the cooldown ends (README, "Rotation without a window").
    const description = JSON.parse(result.body || '{}').error_description;
    const floodRisk = miss.inflight > 0 || job.missSeq !== miss.sent || job.missRiskAtSend;
    const young = info !== undefined && s < info.publishedAt + JWKS.cooldown * 1000 + SLACK_MS;
    if (!retired && description === 'unknown signing key' && floodRisk && young && !keyWasUsable(kid, s, e)) {
      notes.floodRefusals += 1;
      return;
    }
    const age = info ? `${secs(s - info.publishedAt)} s after the key was published` : 'unknown key';
    violation(retired ? '401 for a retired key the verifier still had' : '401 window: a valid token refused', job, result, `${description}; ${age}; flood risk ${floodRisk}`);
    return;
  }
  violation(`${kind}: unexpected status ${status} (expected ${expected})`, job, result);
}

/** A client connection's loop. `newTokensOnly`: it only sends tokens from the rotation and burst queues. */
async function worker(until, measure, newTokensOnly = false) {
  while (now() < until) {
    let job;
    if (!newTokensOnly) job = pickJob();
    else if (queues.rotated.length > 0) job = { kind: 'rotated key', ...bearer(queues.rotated.shift()) };
    else if (queues.burst.length > 0) job = { kind: 'new token (burst)', ...bearer(queues.burst.shift()) };
    else {
      await new Promise((resolve) => setTimeout(resolve, 2));
      continue;
    }
    job.sentAt = now();
    const missRisk = job.unknownKid === true || (job.kid !== undefined && keyInfo.get(job.kid)?.retiredAt !== undefined);
    job.missRiskAtSend = miss.inflight > 0 || job.sentAt - miss.lastEnd < JWKS.cooldown * 1000 + SLACK_MS;
    if (missRisk) {
      miss.inflight += 1;
      miss.sent += 1;
    }
    job.missSeq = miss.sent;
    const result = await send(job.authorization);
    job.doneAt = now();
    if (missRisk) {
      miss.inflight -= 1;
      miss.lastEnd = job.doneAt;
    }
    if (measure) measuredRequests += 1;
    judge(job, result);
  }
}

// ---------------------------------------------------------------------------------------------
// Memory
// ---------------------------------------------------------------------------------------------

function findGc() {
  if (typeof globalThis.gc === 'function') return { gc: globalThis.gc, how: '--expose-gc' };
  try {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc');
    if (typeof gc === 'function') return { gc, how: 'v8.setFlagsFromString (run with node --expose-gc to avoid it)' };
  } catch {
    // no way to force a GC: the heap numbers are then only indicative
  }
  return undefined;
}
const GC = findGc();

async function heapUsed() {
  if (GC) {
    for (let i = 0; i < 3; i++) {
      GC.gc();
      await tick();
    }
  }
  return process.memoryUsage().heapUsed;
}
const mb = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------

let runStart = 0;

async function main() {
  leakGuard((CONFIG.duration + 120) * 1000); // hard upper bound on the whole run
  process.stderr.write(`soak: ${QUICK ? 'quick' : 'full'} mode, ${CONFIG.duration} s at concurrency ${CONFIG.concurrency}, seed ${SEED}\n`);

  issuer = await createTestIssuer({ algorithms: ['RS256', 'ES256'] });
  issuerRef = issuer;
  for (const key of issuer.keys) {
    keyInfo.set(key.kid, { publishedAt: Number.NEGATIVE_INFINITY, retiredAt: undefined });
    active.push(key.kid);
  }
  for (const kid of active) await mintPoolsFor(kid);
  for (let i = 0; i < 4; i++) {
    pools.algNone.push({ token: issuer.unsafe.algNone({ scope: SCOPE, sub: `none-${i}` }), kid: undefined });
    pools.hs256.push({ token: issuer.unsafe.hmacWithPublicKey({ scope: SCOPE, sub: `hs-${i}` }), kid: undefined });
  }
  // Over maxTokenLength (8 KiB), otherwise perfectly valid: refused on size alone.
  for (let i = 0; i < 2; i++) pools.oversized.push(await signWith(active[i], { padding: 'x'.repeat(9000 + i * 500) }));
  if (pools.oversized.some(({ token }) => token.length <= 8192)) throw new Error('soak: oversized token is not over 8 KiB');

  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.use(
    requireAuth({
      issuer: issuer.issuer,
      audience: issuer.audience,
      allowInsecureRequests: true,
      jwks: { cacheMaxAge: `${JWKS.cacheMaxAge}s`, cooldown: `${JWKS.cooldown}s`, timeout: `${JWKS.timeout}s`, staleIfError: `${JWKS.staleIfError}s` },
      fetch: observingFetch,
    }),
  );
  app.get('/orders', requireScope(SCOPE), (req, res) => {
    res.json({ ok: true, client: req.auth?.clientId ?? null });
  });
  app.use(tollgateErrorHandler());
  const server = http.createServer(app);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = server.address().port;
  agent = new http.Agent({ keepAlive: true, maxSockets: CONFIG.concurrency });

  // Warm-up: discovery, the first JWKS, JIT. Then the baselines.
  runStart = now();
  await Promise.all(Array.from({ length: CONFIG.concurrency }, () => worker(now() + 1000, false)));
  for (const row of table.values()) row.clear();
  const warmupViolations = violations.total;
  const heapBefore = await heapUsed();
  const jwksBefore = issuer.requests.jwks;
  const discoveryBefore = issuer.requests.discovery;

  // The run: traffic at fixed concurrency for a fixed time, chaos beside it.
  runStart = now();
  const until = runStart + CONFIG.duration * 1000;
  // Event-loop lag explains a timing-based failure on a busy machine (the JWKS timeout is 0.5 s).
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const chaosDone = Promise.all([rotationLoop(), faultLoop(), floodLoop(), burstLoop()]);
  const progress = setInterval(() => {
    process.stderr.write(
      `  ${secs(now() - runStart)} s: ${measuredRequests} requests, ${chaos.rotations} rotations, ${chaos.faultsStarted} faults${faultIsOn() ? ` (${faults.at(-1).kind} on)` : ''}, ` +
        `JWKS fetches ${issuer.requests.jwks - jwksBefore}, violations ${violations.total}\n`,
    );
  }, QUICK ? 1000 : 5000);
  const stopTimer = setTimeout(stopChaos, CONFIG.duration * 1000);
  // Two of the connections carry only new tokens (fresh clients): they are free when a key is rotated,
  // even while the other connections all wait on a JWKS refetch.
  await Promise.all(Array.from({ length: CONFIG.concurrency }, (_, i) => worker(until, true, i < NEW_TOKEN_CONNECTIONS)));
  const elapsed = now() - runStart;
  loopDelay.disable();
  clearTimeout(stopTimer);
  stopChaos();
  await chaosDone;
  clearInterval(progress);
  if (faultIsOn()) {
    issuer.setFault(null);
    faults.at(-1).off = now();
  }
  const jwksFetches = issuer.requests.jwks - jwksBefore;
  const discoveryFetches = issuer.requests.discovery - discoveryBefore;
  // Drop the soak's own token queues so that only tollgate's state (and the pools) stay reachable.
  queues.burst.length = 0;
  queues.rotated.length = 0;
  const heapAfter = await heapUsed();

  // --- bounds over the whole run
  const faultOnSeconds = faults.reduce((sum, fault) => sum + ((fault.off ?? now()) - fault.on) / 1000, 0);
  const durationSeconds = elapsed / 1000;
  // What the cache design allows (issuer-side count, failed requests included):
  //  - expiry refetches: one per cacheMaxAge, since each waits for the keys of the last success to age;
  //  - unknown-kid refetches that miss: one per cooldown while a flood (or retired-key traffic) goes on,
  //    plus one for requests still in flight as it ends;
  //  - failed fetches: one per cooldown while a fault is on, plus one as it starts;
  //  - per rotation, the new kid's lookup, plus one more when that lookup joined a fetch already under way;
  //  - 2 for the edges of the run.
  const floodOnSeconds = floods.reduce((sum, flood) => sum + ((flood.off ?? now()) - flood.on) / 1000, 0);
  const jwksBound =
    Math.ceil(durationSeconds / JWKS.cacheMaxAge) +
    1 +
    Math.ceil(floodOnSeconds / JWKS.cooldown) +
    floods.length +
    Math.ceil(faultOnSeconds / JWKS.cooldown) +
    chaos.faultsStarted +
    2 * chaos.rotations +
    2;
  const roughBound = Math.ceil(durationSeconds / JWKS.cooldown) + chaos.rotations + chaos.toggles;
  const fakeJob = { kind: '(run)', sentAt: now(), token: undefined };
  if (jwksFetches > jwksBound) violation('too many JWKS fetches', fakeJob, {}, `${jwksFetches} > ${jwksBound}`);
  if (discoveryFetches > 0) violation('discovery refetched after warm-up', fakeJob, {}, `${discoveryFetches}`);
  const growth = heapAfter - heapBefore;
  if (GC && growth > HEAP_GROWTH_BOUND) violation('heap grew', fakeJob, {}, `${mb(growth)} > ${mb(HEAP_GROWTH_BOUND)}`);

  // --- report
  const sliceCounts = new Map();
  for (const fault of faults) sliceCounts.set(fault.kind, (sliceCounts.get(fault.kind) ?? 0) + 1);
  const faultKinds = [...sliceCounts].map(([kind, n]) => `${kind} ×${n}`).join(', ');
  const out = [];
  out.push(`# tollgate soak (${QUICK ? 'quick' : 'full'})`, '');
  out.push(
    `Node ${process.version} · seed ${SEED} · ${secs(elapsed)} s at concurrency ${CONFIG.concurrency} · ` +
      `jwks ${JSON.stringify(JWKS)} · JWKS latency ${JWKS_LATENCY_MS.join('–')} ms · slow fault ${SLOW_FAULT_MS} ms · request timeout ${REQUEST_TIMEOUT_MS} ms`,
    '',
  );
  out.push(`| token kind | ${STATUS_COLUMNS.join(' | ')} | total |`);
  out.push(`|---|${STATUS_COLUMNS.map(() => '--:').join('|')}|--:|`);
  const totals = new Map();
  for (const [kind, row] of table) {
    const cells = STATUS_COLUMNS.map((column) => row.get(column) ?? 0);
    cells.forEach((value, i) => totals.set(STATUS_COLUMNS[i], (totals.get(STATUS_COLUMNS[i]) ?? 0) + value));
    out.push(`| ${kind} | ${cells.join(' | ')} | ${cells.reduce((a, b) => a + b, 0)} |`);
  }
  const totalCells = STATUS_COLUMNS.map((column) => totals.get(column) ?? 0);
  out.push(`| **all** | ${totalCells.join(' | ')} | ${measuredRequests} |`, '');
  out.push(
    `- requests: ${measuredRequests} in ${secs(elapsed)} s = ${Math.round(measuredRequests / durationSeconds)} req/s; ` +
      `event-loop delay p99 ${(loopDelay.percentile(99) / 1e6).toFixed(0)} ms, max ${(loopDelay.max / 1e6).toFixed(0)} ms`,
  );
  out.push(
    `- chaos: ${chaos.rotations} rotations (${chaos.calmRotations} of them in calm, ${chaos.midFetchRotations} of those while a JWKS response was in flight; each retiring the key before the previous one), ${chaos.faultsStarted} JWKS fault periods ` +
      `(on ${faultOnSeconds.toFixed(1)} s in all, ${chaos.toggles} toggles; ${faultKinds || 'no faults'}), ` +
      `${chaos.floods} unknown-kid floods, ${chaos.bursts} bursts of ${CONFIG.burstSize} new tokens`,
  );
  out.push(
    `- JWKS fetches: ${jwksFetches}, bound ${jwksBound} = ⌈${durationSeconds.toFixed(1)} s/cacheMaxAge⌉ + 1 + ⌈flood-on ${floodOnSeconds.toFixed(1)} s/cooldown⌉ + ` +
      `${floods.length} floods + ⌈fault-on ${faultOnSeconds.toFixed(1)} s/cooldown⌉ + ${chaos.faultsStarted} faults + 2 × ${chaos.rotations} rotations + 2 ` +
      `(the rougher duration/cooldown + rotations + toggles = ${roughBound}); discovery after warm-up: ${discoveryFetches}`,
  );
  out.push(
    `- heap used after GC: ${mb(heapBefore)} after warm-up → ${mb(heapAfter)} at the end (${growth >= 0 ? '+' : ''}${mb(growth)}, ` +
      `over ${measuredRequests} requests; bound +${mb(HEAP_GROWTH_BOUND)})` +
      (GC ? `; GC forced via ${GC.how}` : '; no GC available, growth not checked'),
  );
  out.push(
    `- allowed, not violations: ${notes.allowed503} 503s during JWKS faults without a usable cached key; ${notes.floodRefusals} 401s for a key ` +
      `younger than one cooldown during a kid flood (documented); retired-key tokens: ${notes.retiredStillValid} still accepted before the refetch, ${notes.retiredRefused} refused after`,
  );
  out.push(
    `- checked with no exemption in reach (no JWKS fault or its cooldown, no kid flood, key live): ${notes.strict} signed-token requests, ` +
      `${notes.strictRotated} of them first uses of a just-rotated key`,
  );
  out.push(`- violations: ${violations.total}${warmupViolations ? ` (${warmupViolations} during warm-up)` : ''}`);
  for (const [rule, n] of violations.byRule) out.push(`  - ${rule}: ${n}`);
  if (violations.examples.length > 0) {
    out.push('', `Examples (first ${violations.examples.length}):`);
    for (const example of violations.examples) out.push(`- ${JSON.stringify(example)}`);
  }
  process.stdout.write(`${out.join('\n')}\n`);
  if (VERBOSE) {
    const at = (t) => (t === undefined ? '…' : secs(t - runStart));
    const events = [
      ...jwksLog.map((f) => [f.end, `JWKS response (requested ${at(f.started)}) ${f.ok ? `ok, ${f.kids.size} keys` : 'failed'}`]),
      ...faults.map((f) => [f.on, `fault ${f.kind} until ${at(f.off)}`]),
      ...floods.map((f) => [f.on, `flood until ${at(f.off)}`]),
      ...[...keyInfo].flatMap(([kid, info]) => [
        ...(Number.isFinite(info.publishedAt) ? [[info.publishedAt, `published ${kid.slice(0, 8)}`]] : []),
        ...(info.retiredAt !== undefined ? [[info.retiredAt, `retired ${kid.slice(0, 8)}`]] : []),
      ]),
    ].sort((a, b) => a[0] - b[0]);
    for (const [t, text] of events) process.stderr.write(`  ${at(t).padStart(7)} s  ${text}\n`);
  }

  // --- close everything, then make sure nothing keeps the process alive
  agent.destroy();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(() => resolve()));
  await issuer.close();
  process.exitCode = violations.total > 0 ? 1 : 0;
  process.stderr.write(`soak: ${violations.total === 0 ? 'passed' : 'FAILED'} in ${secs(now() - startedAt)} s wall time\n`);
  leakGuard(10_000);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
  stopChaos();
  leakGuard(10_000);
});
