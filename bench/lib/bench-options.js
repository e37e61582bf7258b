// The benchmark's command line and sizes: how many rounds, tokens and requests, in quick or full mode.

export const QUICK = process.argv.includes('--quick');
export const CONFIG = QUICK
  ? { rounds: 3, warmup: 20, repeated: 100, distinct: 40, http: 200, concurrency: 8, algs: ['RS256', 'ES256'] }
  : { rounds: 5, warmup: 300, repeated: 2000, distinct: 600, http: 2000, concurrency: 16, algs: ['RS256', 'ES256'] };
export const TOKEN_LIFETIME = 3600; // long enough for the whole run, so no pre-minted token expires mid-benchmark
/** The row every ratio is taken against. */
export const REFERENCE = 'tollgate';
