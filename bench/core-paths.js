// Function-level study for issue 16: the verified-token cache's admission rule and the signature path
// (synchronous when nothing else is in flight), this tree against another build of tollgate.
//
//   node bench/core-paths.js --base /tmp/tg-base [--rounds 7] [--distinct 600] [--algs RS256,ES256]
//
// Both trees must be built (`npx tsc -b`). Contenders: each tree's verifier with the cache on and with
// `cache: false`, and the node:crypto floor (crypto.verify, synchronous, prepared key). Every contender runs
// once per round, order reversed every other round; a ratio is the median of per-round ratios, so drift
// in a shared machine hits both sides of it alike. Distinct tokens: one fresh pool per round, so nothing
// can hit a cache. Prints a Markdown table (stdout) and progress (stderr).
import { createPublicKey, verify as cryptoVerify } from 'node:crypto';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

import { createTestIssuer } from '@tollgate/testing';

const arg = (name, fallback) => {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? fallback : process.argv[at + 1];
};
const BASE = arg('base');
const ROUNDS = Number(arg('rounds', 7));
const DISTINCT = Number(arg('distinct', 600));
const REPEATED = Number(arg('repeated', 2000));
const IN_FLIGHT = 32;
const ALGS = arg('algs', 'RS256,ES256,EdDSA').split(',');
if (!BASE) throw new Error('usage: node bench/core-paths.js --base <built worktree of the old code>');

const here = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const load = (root) => import(pathToFileURL(path.join(root, 'packages/core/dist/index.js')).href);
const [after, before] = await Promise.all([load(here), load(path.resolve(BASE))]);

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

async function timeSequential(verify, tokens, count) {
  const start = performance.now();
  for (let i = 0; i < count; i++) await verify(tokens[i % tokens.length]);
  return count / ((performance.now() - start) / 1000);
}

async function timeConcurrent(verify, tokens, inFlight) {
  let next = 0;
  const worker = async () => {
    while (next < tokens.length) await verify(tokens[next++]);
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: inFlight }, worker));
  return tokens.length / ((performance.now() - start) / 1000);
}

const FLOOR_PARAMS = { RS256: { digest: 'sha256' }, ES256: { digest: 'sha256', dsaEncoding: 'ieee-p1363' }, EdDSA: { digest: null } };
function floor(issuer, alg) {
  const params = FLOOR_PARAMS[alg];
  const key = createPublicKey({ key: issuer.keys.find((k) => k.alg === alg).publicJwk, format: 'jwk' });
  const options = params.dsaEncoding ? { key, dsaEncoding: params.dsaEncoding } : key;
  return async (token) => {
    const end = token.lastIndexOf('.');
    if (!cryptoVerify(params.digest, Buffer.from(token.slice(0, end)), options, Buffer.from(token.slice(end + 1), 'base64url'))) throw new Error('bad');
    return JSON.parse(Buffer.from(token.slice(token.indexOf('.') + 1, end), 'base64url').toString());
  };
}

async function mint(issuer, alg, count) {
  const tokens = [];
  for (let i = 0; i < count; i += 50) {
    tokens.push(...(await Promise.all(Array.from({ length: Math.min(50, count - i) }, () => issuer.sign({ scope: 'orders:read' }, { alg, expiresIn: 7200 })))));
  }
  return tokens;
}

/** Every contender runs once per round, order reversed every other round. Returns name → rates. */
async function rounds(title, contenders, run) {
  process.stderr.write(`  ${title}:`);
  const rates = new Map(contenders.map((c) => [c.name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? contenders : [...contenders].reverse();
    for (const c of order) rates.get(c.name).push(await run(c, round));
    process.stderr.write(` ${round + 1}`);
  }
  process.stderr.write('\n');
  return rates;
}
const ratio = (rates, a, b) => median(rates.get(a).map((rate, i) => rate / rates.get(b)[i]));

const issuer = await createTestIssuer({ algorithms: ALGS });
const options = { issuer: issuer.issuer, audience: issuer.audience, allowInsecureRequests: true };
const rows = [];
try {
  for (const alg of ALGS) {
    process.stderr.write(`${alg}: minting... `);
    const pool = await mint(issuer, alg, 200 + 2 * ROUNDS * DISTINCT);
    const same = [await issuer.sign({ scope: 'orders:read' }, { alg, expiresIn: 7200 })];
    const warm = pool.slice(0, 200);
    const seqRounds = Array.from({ length: ROUNDS }, (_, r) => pool.slice(200 + r * DISTINCT, 200 + (r + 1) * DISTINCT));
    const parRounds = Array.from({ length: ROUNDS }, (_, r) => pool.slice(200 + (ROUNDS + r) * DISTINCT, 200 + (ROUNDS + r + 1) * DISTINCT));
    process.stderr.write('done\n');
    const contenders = [
      { name: 'before', verifier: before.createVerifier(options) },
      { name: 'before (cache: false)', verifier: before.createVerifier({ ...options, cache: false }) },
      { name: 'after', verifier: after.createVerifier(options) },
      { name: 'after (cache: false)', verifier: after.createVerifier({ ...options, cache: false }) },
    ].map((c) => ({ ...c, verify: (token) => c.verifier.verify(token) }));
    const all = [...contenders, { name: 'floor', verify: floor(issuer, alg) }];
    for (const c of all) {
      await timeSequential(c.verify, warm, warm.length);
      await timeConcurrent(c.verify, warm, IN_FLIGHT);
      await timeSequential(c.verify, same, 200);
    }
    const seq = await rounds(`${alg} distinct, one at a time`, all, (c, r) => timeSequential(c.verify, seqRounds[r], DISTINCT));
    const par = await rounds(`${alg} distinct, ${IN_FLIGHT} in flight`, all, (c, r) => timeConcurrent(c.verify, parRounds[r], IN_FLIGHT));
    const rep = await rounds(`${alg} same token ×${REPEATED}`, contenders, (c) => timeSequential(c.verify, same, REPEATED));
    rows.push({ alg, seq, par, rep });
  }
} finally {
  await issuer.close();
}

const f = (x) => `${x.toFixed(2)}×`;
console.log(`\n${ROUNDS} rounds, ${DISTINCT} distinct tokens per round, same token ×${REPEATED}; medians of per-round ratios\n`);
console.log('| alg | scenario | after ÷ before (cache on) | after ÷ before (cache: false) | cache on ÷ off, before | cache on ÷ off, after | floor ÷ tollgate, before | floor ÷ tollgate, after |');
console.log('|---|---|---|---|---|---|---|---|');
for (const { alg, seq, par, rep } of rows) {
  for (const [name, rates, hasFloor] of [
    ['distinct, one at a time', seq, true],
    [`distinct, ${IN_FLIGHT} in flight`, par, true],
    [`same token ×${REPEATED}`, rep, false],
  ]) {
    const floorCells = hasFloor ? [f(ratio(rates, 'floor', 'before')), f(ratio(rates, 'floor', 'after'))] : ['', ''];
    console.log(
      `| ${alg} | ${name} | ${f(ratio(rates, 'after', 'before'))} | ${f(ratio(rates, 'after (cache: false)', 'before (cache: false)'))} | ${f(ratio(rates, 'before', 'before (cache: false)'))} | ${f(ratio(rates, 'after', 'after (cache: false)'))} | ${floorCells.join(' | ')} |`,
    );
  }
}
