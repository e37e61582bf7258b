// HTTP scenarios: autocannon (this process) against each target (the server process), one reused token
// and a pool of distinct tokens, interleaved over rounds.
import http from 'node:http';

import { CONFIG } from './bench-options.js';
import { forged } from './bench-tokens.js';
import { loadTest } from './load.js';
import { scenario } from './rounds.js';

function status(port, token) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/orders', agent: false, headers: { authorization: `Bearer ${token}` } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.setTimeout(10_000, () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
  });
}

/** Each protected target must answer 200 to a valid token and 401 to a tampered one before it is timed. */
export async function sanityCheckTargets(targets, token) {
  for (const target of targets) {
    const valid = await status(target.port, token);
    if (valid !== 200) throw new Error(`${target.name} answered ${valid} to a valid token`);
    if (target.bare) continue;
    const tampered = await status(target.port, forged(token));
    if (tampered !== 401) throw new Error(`${target.name} answered ${tampered} to a token with a tampered payload`);
  }
}

/** Runs the same-token and the token-pool scenarios. Returns `[same, pool]` scenario results. */
export async function runHttpScenarios(targets, tokens) {
  const { run, warmup, connections, rounds } = CONFIG.http;
  const load = (target, pool, length) => loadTest(target.port, pool, { ...length, connections });
  const label = `${run.seconds ? `${run.seconds} s` : `${run.amount} requests`} per run, ${connections} connections`;
  const same = await scenario(`HTTP, one token reused (${label})`, targets, {
    rounds,
    warmup: (target) => load(target, tokens.repeated, { amount: warmup }),
    run: (target) => load(target, tokens.repeated, run),
  });
  const pool = await scenario(`HTTP, ${tokens.httpPool.length} distinct tokens in rotation (${label})`, targets, {
    rounds,
    warmup: (target) => load(target, tokens.httpPool, { amount: warmup }),
    run: (target) => load(target, tokens.httpPool, run),
  });
  return [same, pool];
}
