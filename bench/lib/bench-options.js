// The benchmark's command line and sizes: how many rounds, tokens, requests and seconds, in quick or full mode.

export const QUICK = process.argv.includes('--quick');

const FULL = {
  /** Function-level verification: rounds, and tokens per run. */
  rounds: 5,
  warmup: 300,
  repeated: 2000,
  distinct: 600,
  /** Verifications under way at once in the concurrent distinct-token scenario. */
  inFlight: 32,
  algs: ['RS256', 'ES256', 'EdDSA'],
  /**
   * HTTP with autocannon: each run lasts `seconds` (or sends `amount` requests), after `warmup` requests;
   * connections, rounds (median of these), and the size of the token pool.
   */
  http: { run: { seconds: 3 }, warmup: 2000, connections: 32, rounds: 3, pool: 2500 },
  /** Concurrent verifications, and concurrent HTTP requests, carrying a new kid, per library. */
  coldStart: { calls: 1000, requests: 1000 },
  /** Memory: unique invalid tokens, unique valid tokens, and the cache size used for the per-entry estimate. */
  memory: { invalid: 1_000_000, valid: 100_000, perEntry: 10_000 },
};

const QUICK_CONFIG = {
  rounds: 3,
  warmup: 10,
  repeated: 40,
  distinct: 20,
  inFlight: 8,
  algs: ['RS256', 'ES256', 'EdDSA'],
  // One HTTP round of a fixed count (a timed run can end empty on a busy CI box): ×16 targets ×2 scenarios.
  http: { run: { amount: 200 }, warmup: 100, connections: 16, rounds: 1, pool: 1100 },
  coldStart: { calls: 1000, requests: 200 },
  memory: { invalid: 10_000, valid: 3_000, perEntry: 2_000 },
};

export const CONFIG = QUICK ? QUICK_CONFIG : FULL;
export const TOKEN_LIFETIME = 3600; // long enough for the whole run, so no pre-minted token expires mid-benchmark
/** tollgate's default verified-token cache size (VerifierOptions.cache.maxEntries). */
export const TOLLGATE_CACHE_ENTRIES = 1000;
