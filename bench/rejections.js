// What a repeated bad token costs, with and without the rejection cache (cache.maxRejections).
//
//   node bench/rejections.js     about 10 s; prints a Markdown table (run `pnpm build` first)
//
// One local test issuer on 127.0.0.1; per algorithm, the same forged (bad signature) and the same
// expired token are verified N times by a verifier with the default rejection cache and by one with
// `cache: { maxRejections: 0 }`, interleaved over rounds; medians. A valid cached token is the baseline.
import { createVerifier } from '@tollgate/core';
import { createTestIssuer, tamperSignature } from '@tollgate/testing';

import { median } from './lib/rounds.js';
import { timeSequential } from './lib/timing.js';

const N = 5000;
const ROUNDS = 5;
// Refusals are what is timed here, so each one is caught.
const rate = (verifier, token) => timeSequential((candidate) => verifier.verify(candidate).catch(() => undefined), [token], N);

const rows = [];
for (const alg of ['RS256', 'ES256', 'EdDSA']) {
  const issuer = await createTestIssuer({ algorithms: [alg] });
  try {
    const options = { issuer: issuer.issuer, audience: issuer.audience, allowInsecureRequests: true };
    const remembering = createVerifier(options);
    const forgetting = createVerifier({ ...options, cache: { maxRejections: 0 } });
    const tokens = {
      'valid (verified-token cache)': await issuer.sign({ scope: 'orders:read' }),
      'forged: bad signature': tamperSignature(await issuer.sign({ scope: 'orders:read' })),
      expired: await issuer.sign({ scope: 'orders:read' }, { expiresIn: -60 }),
    };
    for (const [kind, token] of Object.entries(tokens)) {
      const rates = { remembering: [], forgetting: [] };
      await rate(remembering, token);
      await rate(forgetting, token);
      for (let round = 0; round < ROUNDS; round++) {
        const order = round % 2 ? ['forgetting', 'remembering'] : ['remembering', 'forgetting'];
        for (const name of order) rates[name].push(await rate(name === 'remembering' ? remembering : forgetting, token));
      }
      rows.push([alg, kind, median(rates.remembering), median(rates.forgetting)]);
    }
  } finally {
    await issuer.close();
  }
}

const fmt = (n) => Math.round(n).toLocaleString('en-US');
console.log(`Node ${process.version}, ${N} verifications × ${ROUNDS} rounds, median\n`);
console.log('| alg | the same token, N times | default (rejections remembered) | maxRejections: 0 | ratio |');
console.log('|---|---|--:|--:|--:|');
for (const [alg, kind, on, off] of rows) console.log(`| ${alg} | ${kind} | ${fmt(on)}/s | ${fmt(off)}/s | ${(on / off).toFixed(1)}× |`);
