// Cold start after a key rotation: N concurrent verifications (or HTTP requests) carrying a kid that the
// library has not seen, while it holds the previous key set. Counts the JWKS fetches they cause.
import http from 'node:http';
import { performance } from 'node:perf_hooks';

import { TOKEN_LIFETIME } from './bench-options.js';

// The JWKS response is held this long, so that all N requests are in flight while the first fetch is
// (a remote issuer answers in tens of milliseconds, not the 1 ms of 127.0.0.1).
const JWKS_DELAY_MS = 200;
const BOUND_MS = 30_000;

const withinBound = (promise, what) => {
  let timer;
  const bound = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: still running after ${BOUND_MS / 1000} s`)), BOUND_MS);
  });
  return Promise.race([promise, bound]).finally(() => clearTimeout(timer));
};

const ALG = 'RS256';

/**
 * `count` new RS256 keys of the issuer, generated in parallel and not yet published: RSA key generation
 * is slow, so it happens before the bursts, and each burst then publishes one.
 */
export async function unpublishedKeys(issuer, count) {
  return Promise.all(Array.from({ length: count }, () => issuer.rotate({ alg: ALG, publish: false })));
}

/**
 * Publishes the next of `keys` (a rotation), mints one token with it, holds the issuer's JWKS responses, and fires
 * `send(token)` `count` times at once. Returns `{ count, fetches, accepted, ms }`: JWKS requests the burst
 * caused, and how many of the `count` calls accepted the token.
 */
async function burst(issuer, keys, count, send, what) {
  const key = keys.shift();
  issuer.publish(key.kid);
  const token = await issuer.sign({ scope: 'orders:read' }, { kid: key.kid, expiresIn: TOKEN_LIFETIME });
  issuer.setFault({ kind: 'slow', delayMs: JWKS_DELAY_MS }, 'jwks');
  issuer.resetRequests();
  const start = performance.now();
  try {
    const outcomes = await withinBound(Promise.allSettled(Array.from({ length: count }, () => send(token))), what);
    return {
      count,
      fetches: issuer.requests.jwks,
      accepted: outcomes.filter((outcome) => outcome.status === 'fulfilled' && outcome.value !== false).length,
      ms: performance.now() - start,
    };
  } finally {
    issuer.setFault(null);
  }
}

/**
 * Function level: for each library a fresh instance, warmed with a token of the current keys (so it
 * holds the key set and, where it has one, its refetch cooldown has just started), then the burst.
 */
export async function coldStartFunctions(issuer, keys, libs, count) {
  const warmToken = await issuer.sign({ scope: 'orders:read' }, { alg: ALG, expiresIn: TOKEN_LIFETIME });
  const rows = [];
  for (const lib of libs) {
    const verify = lib.fn(ALG);
    await verify(warmToken);
    rows.push({ name: lib.name, ...(await burst(issuer, keys, count, verify, lib.name)) });
  }
  return rows;
}

function httpStatus(agent, port, token) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/orders', agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200));
    });
    req.setTimeout(10_000, () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end();
  });
}

/** Through HTTP: the same burst against each running target (which already holds the key set). */
export async function coldStartHttp(issuer, keys, targets, count) {
  const rows = [];
  for (const target of targets) {
    // One socket per request: all `count` requests reach the server while the JWKS response is held.
    const agent = new http.Agent({ keepAlive: false, maxSockets: count });
    try {
      rows.push({ name: target.name, ...(await burst(issuer, keys, count, (token) => httpStatus(agent, target.port, token), target.name)) });
    } finally {
      agent.destroy();
    }
  }
  return rows;
}
