// The benchmark's tokens, minted before any timing, and the check each library must pass before it is timed.
import { performance } from 'node:perf_hooks';

import { CONFIG, TOKEN_LIFETIME } from './bench-options.js';

/** Mints `count` distinct tokens of `alg` that outlive the run, in batches of 50. */
export async function mint(issuer, alg, count) {
  const tokens = [];
  // Sequential batches keep the event loop responsive; RSA signing dominates the set-up time.
  for (let i = 0; i < count; i += 50) {
    const batch = Array.from({ length: Math.min(50, count - i) }, () => issuer.sign({ scope: 'orders:read' }, { alg, expiresIn: TOKEN_LIFETIME }));
    tokens.push(...(await Promise.all(batch)));
  }
  return tokens;
}

/** The token with `sub` changed and the signature kept: a valid-looking token that must fail the signature check. */
export function forged(token) {
  const [header, payload, signature] = token.split('.');
  return `${header}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url')), sub: 'mallory' })).toString('base64url')}.${signature}`;
}

/** Every library must accept a valid token and reject a forged one before it is timed. */
export async function sanityCheck(name, verify, token) {
  // Through a promise, so a synchronous verifier (the crypto floor) is checked the same way.
  const attempt = (candidate) => Promise.resolve().then(() => verify(candidate));
  await attempt(token).catch((error) => {
    throw new Error(`${name} rejected a valid token: ${error?.message ?? error}`);
  });
  const accepted = await attempt(forged(token)).then(
    () => true,
    () => false,
  );
  if (accepted) throw new Error(`${name} accepted a token with a tampered payload`);
}

/**
 * Per algorithm: one token to repeat, a warm-up pool, and one fresh pool per round; plus `httpPool`, the
 * RS256 tokens the HTTP scenarios rotate through (more than any library's token cache holds, so a
 * cycle through them never hits an LRU). Prints how long the minting took (stderr).
 */
export async function mintTokenSets(issuer) {
  process.stderr.write(`minting tokens (${CONFIG.algs.join(', ')})... `);
  const mintStart = performance.now();
  const tokens = {};
  for (const alg of CONFIG.algs) {
    const pools = await mint(issuer, alg, CONFIG.warmup + 2 * CONFIG.rounds * CONFIG.distinct);
    const concurrentStart = CONFIG.warmup + CONFIG.rounds * CONFIG.distinct;
    tokens[alg] = {
      repeated: [await issuer.sign({ scope: 'orders:read' }, { alg, expiresIn: TOKEN_LIFETIME })],
      warmup: pools.slice(0, CONFIG.warmup),
      // One fresh pool per round: no token is seen twice by the same verifier, so no cache can hit.
      rounds: Array.from({ length: CONFIG.rounds }, (_, r) => pools.slice(CONFIG.warmup + r * CONFIG.distinct, CONFIG.warmup + (r + 1) * CONFIG.distinct)),
      // Fresh pools again for the concurrent scenario, for the same reason.
      concurrentRounds: Array.from({ length: CONFIG.rounds }, (_, r) => pools.slice(concurrentStart + r * CONFIG.distinct, concurrentStart + (r + 1) * CONFIG.distinct)),
    };
  }
  tokens.httpPool = await mint(issuer, 'RS256', CONFIG.http.pool);
  process.stderr.write(`${((performance.now() - mintStart) / 1000).toFixed(1)} s\n`);
  return tokens;
}
