// The soak's command line and its fixed settings: durations, chaos timings, JWKS timings and bounds.

const argv = process.argv.slice(2);
const argValue = (name) => argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);

export const QUICK = argv.includes('--quick');
export const SEED = Number(argValue('seed') ?? Math.floor(Math.random() * 2 ** 31));
export const VERBOSE = argv.includes('--verbose');
const DURATION_ARG = argValue('duration');

// Ranges are [min, max] seconds between two events of that kind (or how long a state lasts);
// quietHold: how long a quiet rotation keeps faults and floods away after publishing the key;
// concurrency: keep-alive connections per adapter (so 3 × that in all).
export const CONFIG = QUICK
  ? {
      duration: 5,
      concurrency: 6,
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
      concurrency: 6,
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
export const JWKS = { cacheMaxAge: 2, cooldown: 1, timeout: 0.5, staleIfError: 3 }; // seconds
export const MAX_RESPONSE_BYTES = 256 * 1024; // tollgate's default jwks.maxResponseBytes
export const SLOW_FAULT_MS = 1500; // well beyond jwks.timeout
export const FAULT_SLICE_MS = 500; // a fault period changes kind this often
export const JWKS_LATENCY_MS = [10, 80]; // a remote issuer: JWKS responses arrive this long after they were produced
export const MID_FETCH_LATENCY_MS = 150; // the response a mid-fetch rotation races (well under jwks.timeout)
export const REQUEST_TIMEOUT_MS = 5000; // a response later than this is a hang
export const SLACK_MS = 500; // event-loop lag on a shared 2-core box, for every timing-based allowance
// The adapters under test, each with its own verifier (and so its own JWKS cache and token cache).
export const ADAPTERS = ['express', 'koa', 'fastify'];
// What may legitimately grow between the two heap measurements is bounded: per verifier at most 1000
// cached verifications (~2.5 KB each with the token) and a few key sets, so ~3 × 2.5 MB; the soak's own
// lists (JWKS logs, pools, queues) are bounded too. Measured: +7.3 MB after 60 s, +7.4 MB after 120 s
// (the caches fill, then stay). 20 MB leaves ~12 MB above that: a leak of ~200 bytes per request trips
// it in a full run on a quiet machine (~70k requests), one kept cache entry per request within ~5k.
export const HEAP_GROWTH_BOUND = 20 * 1024 * 1024;
// RSS after GC also holds what V8 and malloc keep for reuse once the load has grown them (reserved heap
// pages, allocator arenas, socket buffers): measured from about 0 up to +33 MB in quick, full and 120 s
// runs alike, so a one-time step after warm-up, not growth with the request count. Bound: the heap bound plus 40 MB;
// a leak outside the JS heap (Buffers, sockets, native handles) of ~1 KB per request trips it in the full run.
export const RSS_GROWTH_BOUND = HEAP_GROWTH_BOUND + 40 * 1024 * 1024;
export const SCOPE = 'orders:read';
export const REALM = 'api';
export const MAX_EXAMPLES = 10;
export const NEW_TOKEN_CONNECTIONS = 2; // of each adapter's CONFIG.concurrency
