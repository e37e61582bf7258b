// What an introspected (opaque) token costs per verification, beside a JWT cache hit, in one process on
// the built core: a JWT seen before (verified-token cache hit); an opaque token whose introspection result
// is cached in memory, and in Redis (when one can be had); and an opaque token with `cache: false`, which
// asks a local introspection endpoint on 127.0.0.1 every time.
//
//   node bench/introspection.js [--quick] [--rounds 5]
//
// Prints ops/s (median of the rounds) and each row as a ratio of the JWT cache hit. It reports; it never
// fails on timings. Redis: TOLLGATE_REDIS_URL, else a redis-server of its own on a free port when installed.
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';

import { createVerifier } from '../packages/core/dist/index.js';
import { createRedisIntrospectionCache } from '../packages/redis/dist/index.js';
import { createTestIssuer } from '../packages/testing/dist/index.js';
import { closeServer, listenLocally } from './lib/local-server.js';
import { redisForBench } from './lib/redis-for-bench.js';
import { timeSequential } from './lib/timing.js';

const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, rounds: { type: 'string' } } });
const ROUNDS = Number(values.rounds ?? (values.quick ? 3 : 5));
// Cache hits are cheap: many per round. A request to the endpoint costs a round trip: fewer.
const HITS = values.quick ? 20_000 : 200_000;
const MISSES = values.quick ? 300 : 3_000;

const median = (list) => [...list].sort((a, b) => a - b)[list.length >> 1];

const issuer = await createTestIssuer();
const AUDIENCE = issuer.audience;

// The introspection endpoint: every token is active, for an hour, with one scope.
const endpoint = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ active: true, iss: issuer.issuer, aud: AUDIENCE, exp: Math.floor(Date.now() / 1000) + 3600, scope: 'orders:read', client_id: 'bench' }));
  });
});
const endpointUrl = `http://127.0.0.1:${await listenLocally(endpoint)}/introspect`;

const redis = await redisForBench();

const base = { issuer: issuer.issuer, audience: AUDIENCE, allowInsecureRequests: true };
const introspection = (cache) => ({ endpoint: endpointUrl, clientId: 'api', clientSecret: 'bench-secret', maxPerSecond: 100_000, maxConcurrent: 100_000, cache });

const jwt = await issuer.sign({ scope: 'orders:read', client_id: 'bench' });
const OPAQUE = 'opaque-token-for-the-benchmark-0123456789';

const rows = [
  { name: 'JWT, verified-token cache hit', verifier: createVerifier(base), token: jwt, count: HITS },
  { name: 'opaque, introspection cached in memory', verifier: createVerifier({ ...base, introspection: introspection({ maxAge: '1h' }) }), token: OPAQUE, count: HITS },
  // A store of your own is read at every use (no in-process copy), so this row is one Redis GET per verification.
  ...(redis
    ? [{ name: 'opaque, introspection cached in Redis (a GET each)', verifier: createVerifier({ ...base, introspection: introspection({ maxAge: '1h', store: createRedisIntrospectionCache({ client: redis.client, prefix: `bench:${process.pid}:` }) }) }), token: OPAQUE, count: MISSES * 10 }]
    : []),
  { name: 'opaque, not cached (endpoint on 127.0.0.1)', verifier: createVerifier({ ...base, introspection: introspection(false) }), token: OPAQUE, count: MISSES },
];

try {
  for (const row of rows) {
    const verify = (token) => row.verifier.verify(token);
    await timeSequential(verify, [row.token], Math.min(row.count, 2000)); // warm-up: JIT, the first fetches
    const rounds = [];
    for (let round = 0; round < ROUNDS; round++) rounds.push(await timeSequential(verify, [row.token], row.count));
    row.opsPerSecond = median(rounds);
  }
  const reference = rows[0].opsPerSecond;
  console.log(`Introspection cost, one verification at a time, median of ${ROUNDS} rounds (Node ${process.version})\n`);
  console.log('| token | verifications/s | µs each | vs a JWT cache hit |');
  console.log('| --- | ---: | ---: | ---: |');
  for (const row of rows) {
    const ratio = row.opsPerSecond / reference;
    console.log(`| ${row.name} | ${Math.round(row.opsPerSecond).toLocaleString('en-US')} | ${(1e6 / row.opsPerSecond).toFixed(2)} | ${ratio.toFixed(2)}× |`);
  }
  if (!redis) console.log('\n(no Redis: set TOLLGATE_REDIS_URL or install redis-server for the Redis row)');
} finally {
  await redis?.close();
  await closeServer(endpoint);
  await issuer.close();
}
