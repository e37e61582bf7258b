// What a DPoP request (RFC 9449) costs beside a Bearer one, in one process on the built core: the same
// access token, cached after its first verification, sent as Bearer and as DPoP with a fresh proof each
// time (the proof's signature is checked and its jti claimed on every request), with the replay store in
// memory and in Redis; and the in-memory replay store's claims alone.
//
//   node bench/dpop.js [--quick] [--rounds 5]
//
// Prints ops/s (median of the rounds) and each row as a ratio of the Bearer request. Proofs are signed
// before the clock starts, so the rows time the API's side only. It reports; it never fails on timings.
// Redis: TOLLGATE_REDIS_URL, else a redis-server of its own on a free port when installed.
import { createPublicKey, verify as verifySignature } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

import { compactVerify, importJWK } from 'jose';

import { createMemoryReplayStore, createVerifier } from '../packages/core/dist/index.js';
import { createRedisReplayStore } from '../packages/redis/dist/index.js';
import { createDpopKey, createDpopProof, createTestIssuer } from '../packages/testing/dist/index.js';
import { redisForBench } from './lib/redis-for-bench.js';

const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, rounds: { type: 'string' } } });
const ROUNDS = Number(values.rounds ?? (values.quick ? 3 : 5));
// A DPoP request verifies one signature: a few thousand per round. Bearer hits and bare claims are cheap.
const PROOFS = values.quick ? 1_500 : 6_000;
const HITS = values.quick ? 20_000 : 200_000;
const CLAIMS = values.quick ? 100_000 : 1_000_000;

const median = (list) => [...list].sort((a, b) => a - b)[list.length >> 1];
const URL_ = 'https://api.example.com/orders';

const issuer = await createTestIssuer();
const redis = await redisForBench();
const base = { issuer: issuer.issuer, audience: issuer.audience, allowInsecureRequests: true };

/** Times `count` calls of `run(i)` one after the other; returns calls per second. */
async function timeCalls(run, count) {
  const start = performance.now();
  for (let i = 0; i < count; i++) await run(i);
  return count / ((performance.now() - start) / 1000);
}

/** Fresh proofs (each its own jti) for `token`, signed now, so that signing is not timed. */
const proofsFor = (key, token, count) => Array.from({ length: count }, () => createDpopProof({ key, method: 'GET', url: URL_, token }));

const request = (authorization, proof) => ({ method: 'GET', url: URL_, headers: proof ? { authorization, dpop: proof } : { authorization } });

try {
  const bearerToken = await issuer.sign({ scope: 'orders:read' });
  const rows = [{ name: 'Bearer, cached token', verifier: createVerifier(base), kind: 'bearer', token: bearerToken, count: HITS }];
  for (const alg of ['ES256', 'EdDSA']) {
    const key = await createDpopKey(alg);
    const token = await issuer.sign({ scope: 'orders:read', cnf: key.cnf });
    rows.push({ name: `DPoP ${alg}, cached token, replay store in memory`, verifier: createVerifier({ ...base, dpop: { replay: createMemoryReplayStore() } }), kind: 'dpop', key, token, count: PROOFS });
    if (redis && alg === 'ES256') {
      const replay = createRedisReplayStore({ client: redis.client, prefix: `bench:${process.pid}:` });
      rows.push({ name: `DPoP ${alg}, cached token, replay store in Redis`, verifier: createVerifier({ ...base, dpop: { replay } }), kind: 'dpop', key, token, count: PROOFS });
    }
  }

  for (const row of rows) {
    const verify = async (authorization, proof) => {
      const accessToken = await row.verifier.authenticate(request(authorization, proof));
      if (!accessToken) throw new Error(`${row.name}: refused`);
    };
    if (row.kind === 'bearer') {
      const authorization = `Bearer ${row.token}`;
      await timeCalls(() => verify(authorization), 2_000); // warm-up: JIT, the JWKS fetch
      row.rounds = [];
      for (let round = 0; round < ROUNDS; round++) row.rounds.push(await timeCalls(() => verify(authorization), row.count));
    } else {
      const authorization = `DPoP ${row.token}`;
      const warm = proofsFor(row.key, row.token, 300);
      await timeCalls((i) => verify(authorization, warm[i]), warm.length);
      row.rounds = [];
      for (let round = 0; round < ROUNDS; round++) {
        const proofs = proofsFor(row.key, row.token, row.count);
        row.rounds.push(await timeCalls((i) => verify(authorization, proofs[i]), proofs.length));
      }
    }
    row.opsPerSecond = median(row.rounds);
  }

  // The in-memory store alone: one claim of a fresh key per call (a proof's jti and its key), none replayed.
  const store = createMemoryReplayStore({ maxEntries: CLAIMS * 2 });
  const keys = Array.from({ length: CLAIMS }, (_, i) => `jti-${i}-0123456789abcdef`);
  let offset = 0;
  const claimRounds = [];
  for (let round = 0; round < ROUNDS; round++) {
    const prefix = `r${offset++}:`;
    claimRounds.push(await timeCalls(async (i) => {
      if (!(await store.claim(prefix + keys[i], 300))) throw new Error('a fresh key was refused');
    }, CLAIMS / ROUNDS));
  }

  // The floor the target is stated against: one proof signature checked by jose with a key imported per
  // proof (a proof carries its own key), and one Redis round trip of the replay store's command.
  const floorKey = await createDpopKey('ES256');
  const floorProofs = proofsFor(floorKey, bearerToken, PROOFS);
  const floorPublicKey = createPublicKey({ key: floorKey.publicJwk, format: 'jwk' });
  const signed = floorProofs.map((proof) => {
    const [header, payload, signature] = proof.split('.');
    return { data: Buffer.from(`${header}.${payload}`), signature: Buffer.from(signature, 'base64url') };
  });
  const floors = [
    { name: 'one ES256 signature check alone (node:crypto, key imported once)', run: (i) => verifySignature('sha256', signed[i].data, { key: floorPublicKey, dsaEncoding: 'ieee-p1363' }, signed[i].signature), count: PROOFS },
    {
      name: 'one ES256 signature check on the thread pool (node:crypto with a callback, as tollgate runs it)',
      run: (i) => new Promise((resolve, reject) => verifySignature('sha256', signed[i].data, { key: floorPublicKey, dsaEncoding: 'ieee-p1363' }, signed[i].signature, (error, ok) => (error ? reject(error) : resolve(ok)))),
      count: PROOFS,
    },
    { name: 'one ES256 proof with jose (import its jwk, verify)', run: async (i) => compactVerify(floorProofs[i], await importJWK(floorKey.publicJwk, 'ES256')), count: PROOFS },
  ];
  if (redis) floors.push({ name: 'one Redis round trip (SET NX PX)', run: (i) => redis.client.set(`bench:${process.pid}:floor:${i}`, '1', 'PX', 60_000, 'NX'), count: PROOFS });
  for (const floor of floors) {
    await timeCalls(floor.run, 300);
    const rounds = [];
    for (let round = 0; round < ROUNDS; round++) rounds.push(await timeCalls(floor.run, floor.count));
    floor.opsPerSecond = median(rounds);
  }

  const reference = rows[0].opsPerSecond;
  console.log(`DPoP cost, one request at a time through verifier.authenticate, median of ${ROUNDS} rounds (Node ${process.version})\n`);
  console.log('| request | requests/s | µs each | µs more than Bearer | vs Bearer |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const row of rows) {
    const micros = 1e6 / row.opsPerSecond;
    const extra = micros - 1e6 / reference;
    console.log(`| ${row.name} | ${Math.round(row.opsPerSecond).toLocaleString('en-US')} | ${micros.toFixed(2)} | ${row === rows[0] ? '' : extra.toFixed(1)} | ${(row.opsPerSecond / reference).toFixed(3)}× |`);
  }
  console.log('\nThe floor (what the target allows above Bearer):\n');
  console.log('| operation | per second | µs each |');
  console.log('| --- | ---: | ---: |');
  for (const floor of floors) console.log(`| ${floor.name} | ${Math.round(floor.opsPerSecond).toLocaleString('en-US')} | ${(1e6 / floor.opsPerSecond).toFixed(2)} |`);
  const claims = median(claimRounds);
  console.log(`\nIn-memory replay store: ${Math.round(claims).toLocaleString('en-US')} claims/s (${(1e6 / claims).toFixed(2)} µs each; target at least 100,000/s)`);
  if (!redis) console.log('\n(no Redis: set TOLLGATE_REDIS_URL or install redis-server for the Redis row)');
} finally {
  await redis?.close();
  await issuer.close();
}
