// What the verified-token cache costs a token seen once: get (a miss) + set, with the cache on and with
// `cache: false` (maxEntries 0), on the built core. The benchmark's "distinct tokens" rows cannot show a
// difference this small against a signature check (~50–150 µs), so it is measured here on its own.
//
//   node bench/cache-cost.js [--tokens 200000] [--rounds 5]
//
// Prints ns per distinct token, the median of the rounds, for each setting. In-process, no network.
import { parseArgs } from 'node:util';

import { VerifiedTokenCache } from '../packages/core/dist/lib/verified-token-cache.js';

const { values } = parseArgs({ options: { tokens: { type: 'string', default: '200000' }, rounds: { type: 'string', default: '5' } } });
const COUNT = Number(values.tokens);
const ROUNDS = Number(values.rounds);

// RS256-sized tokens (about 700 characters) whose signature part differs, as real ones do.
const tokens = Array.from({ length: COUNT }, (_, i) => `eyJhbGciOiJSUzI1NiJ9.${'x'.repeat(300)}.${(Math.random().toString(36).slice(2) + i.toString(36)).padStart(342, 'q')}`);
const accessToken = { issuer: 'https://issuer.example', claims: {} };

const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];

for (const maxEntries of [1000, 0]) {
  const cache = new VerifiedTokenCache(maxEntries);
  const rounds = [];
  for (let round = 0; round <= ROUNDS; round++) {
    const start = process.hrtime.bigint();
    for (const token of tokens) {
      cache.get(token);
      cache.set(token, accessToken, 1);
    }
    // Round 0 warms up the JIT and is not counted.
    if (round > 0) rounds.push(Number(process.hrtime.bigint() - start) / COUNT);
  }
  const label = maxEntries === 0 ? 'cache: false' : `cache on (maxEntries ${maxEntries})`;
  console.log(`${label}: ${median(rounds).toFixed(0)} ns per distinct token (a miss, then set), median of ${ROUNDS} rounds`);
}
