// The benchmark's tokens, minted before any timing, and the check each library must pass before it is timed.
import { performance } from 'node:perf_hooks';

import { CONFIG, TOKEN_LIFETIME } from './bench-options.js';

async function mint(issuer, alg, count) {
  const tokens = [];
  // Sequential batches keep the event loop responsive; RSA signing dominates the set-up time.
  for (let i = 0; i < count; i += 50) {
    const batch = Array.from({ length: Math.min(50, count - i) }, () => issuer.sign({ scope: 'orders:read' }, { alg, expiresIn: TOKEN_LIFETIME }));
    tokens.push(...(await Promise.all(batch)));
  }
  return tokens;
}

/** Every library must accept a valid token and reject a forged one before it is timed. */
export async function sanityCheck(name, verify, token) {
  await verify(token).catch((error) => {
    throw new Error(`${name} rejected a valid token: ${error?.message ?? error}`);
  });
  const [header, payload, signature] = token.split('.');
  const forged = `${header}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url')), sub: 'mallory' })).toString('base64url')}.${signature}`;
  const accepted = await verify(forged).then(
    () => true,
    () => false,
  );
  if (accepted) throw new Error(`${name} accepted a token with a tampered payload`);
}

/**
 * Per algorithm: one token to repeat, a warm-up pool, and one fresh pool per round. Prints how long the
 * minting took (stderr).
 */
export async function mintTokenSets(issuer) {
  process.stderr.write(`minting tokens (${CONFIG.algs.join(', ')})... `);
  const mintStart = performance.now();
  const tokens = {};
  for (const alg of CONFIG.algs) {
    const pools = await mint(issuer, alg, CONFIG.warmup + CONFIG.rounds * CONFIG.distinct);
    tokens[alg] = {
      repeated: [await issuer.sign({ scope: 'orders:read' }, { alg, expiresIn: TOKEN_LIFETIME })],
      warmup: pools.slice(0, CONFIG.warmup),
      // One fresh pool per round: no token is seen twice by the same verifier, so no cache can hit.
      rounds: Array.from({ length: CONFIG.rounds }, (_, r) => pools.slice(CONFIG.warmup + r * CONFIG.distinct, CONFIG.warmup + (r + 1) * CONFIG.distinct)),
    };
  }
  process.stderr.write(`${((performance.now() - mintStart) / 1000).toFixed(1)} s\n`);
  return tokens;
}
