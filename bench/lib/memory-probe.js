// Child process (node --expose-gc): tollgate's memory after many unique invalid, then valid, tokens.
//   fork('memory-probe.js', [JSON.stringify({ invalid, valid, perEntry })], { execArgv: ['--expose-gc'] })
// Sends { checkpoints, perEntry } or { error }. Tokens are made on the fly and dropped: only what the
// verifier keeps can stay on the heap.
import { KeyObject, randomBytes, sign } from 'node:crypto';

import { createVerifier } from '@tollgate/core';
import { createTestIssuer } from '@tollgate/testing';

const { invalid, valid, perEntry } = JSON.parse(process.argv[2]);
const BATCH = 64; // verifications in flight at once: keeps the crypto thread pool busy
const CHECKPOINTS = 4;

function measure() {
  // Several passes: weak maps and finalizers can free more on a second collection.
  for (let i = 0; i < 3; i++) globalThis.gc();
  const { rss, heapUsed } = process.memoryUsage();
  return { rss, heapUsed };
}

async function main() {
  const issuer = await createTestIssuer({ algorithms: ['EdDSA'] }); // Ed25519: the cheapest to mint a million of
  try {
    const [{ kid, privateKey }] = issuer.keys;
    const signingKey = KeyObject.from(privateKey);
    const header = Buffer.from(JSON.stringify({ alg: 'EdDSA', kid, typ: 'at+jwt' })).toString('base64url');
    const claims = (i, tag) => Buffer.from(JSON.stringify({ ...issuer.defaultClaims(), exp: Math.floor(Date.now() / 1000) + 3600, jti: `${tag}-${i}`, scope: 'orders:read' })).toString('base64url');
    // Well-formed, a known kid, unique claims, and 64 random bytes where the Ed25519 signature goes.
    const invalidToken = (i) => `${header}.${claims(i, 'bad')}.${randomBytes(64).toString('base64url')}`;
    const validToken = (i, tag) => {
      const signed = `${header}.${claims(i, tag)}`;
      return `${signed}.${sign(null, Buffer.from(signed), signingKey).toString('base64url')}`;
    };

    const options = { issuer: issuer.issuer, audience: issuer.audience, allowInsecureRequests: true };
    const verifier = createVerifier(options); // the defaults: cache.maxEntries 1000
    await verifier.verify(validToken(0, 'warm'));
    const checkpoints = [{ phase: 'baseline (warmed, 1 token verified)', tokens: 0, ...measure() }];

    const run = async (phase, total, make, expectValid) => {
      const began = performance.now();
      let wrong = 0;
      for (let done = 0; done < total; ) {
        const size = Math.min(BATCH, total - done);
        const outcomes = await Promise.allSettled(Array.from({ length: size }, (_, j) => verifier.verify(make(done + j))));
        wrong += outcomes.filter((outcome) => (outcome.status === 'fulfilled') !== expectValid).length;
        done += size;
        if (done % (total / CHECKPOINTS) < size) {
          checkpoints.push({ phase, tokens: done, ...measure(), perSecond: done / ((performance.now() - began) / 1000) });
        }
      }
      if (wrong) throw new Error(`${phase}: ${wrong} of ${total} tokens got the wrong verdict`);
    };
    await run('unique invalid tokens (bad signature, known kid)', invalid, invalidToken, false);
    await run('unique valid tokens', valid, (i) => validToken(i, 'good'), true);

    // Bytes per cached entry: a second verifier whose cache is filled with `perEntry` new tokens. Each is
    // verified twice: a token seen once is only held on trial (admission on the second sighting).
    const sized = createVerifier({ ...options, cache: { maxEntries: perEntry } });
    await sized.verify(validToken(0, 'sized-warm'));
    const before = measure();
    for (let done = 1; done < perEntry; done += BATCH) {
      const batch = Array.from({ length: Math.min(BATCH, perEntry - done) }, (_, j) => validToken(done + j, 'sized'));
      for (let sighting = 0; sighting < 2; sighting++) await Promise.all(batch.map((token) => sized.verify(token)));
    }
    const after = measure();
    process.send({ checkpoints, perEntry: { entries: perEntry, bytes: (after.heapUsed - before.heapUsed) / perEntry } });
  } finally {
    await issuer.close();
  }
}

main().catch((error) => {
  process.send({ error: String(error?.message ?? error) });
});
