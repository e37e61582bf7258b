// Which way of checking a JWS signature serves the most requests: jose (WebCrypto), node:crypto sync or on the
// thread pool, or WebCrypto directly; first in a tight loop, then behind a real HTTP server under autocannon.
//
//   node bench/signature-paths.js [--quick] [--pin]
//
// --pin (Linux, taskset): this process (the server, its thread pool included) runs on CPU 0 and the load
// generator on CPU 1, so no path can borrow a spare core: the case of one server process per core.
// Everything runs on 127.0.0.1; counts and durations are fixed, and the process exits by itself.
import crypto from 'node:crypto';
import os from 'node:os';
import { performance } from 'node:perf_hooks';

import { exportJWK, generateKeyPair, importJWK, SignJWT } from 'jose';

import { keyImportCost } from './lib/signature-key-import.js';
import { pinToCpu, startLoadGenerator } from './lib/signature-loader.js';
import { httpTable, keyTable, microTable, summariseHttp, verdict } from './lib/signature-report.js';
import { httpRounds } from './lib/signature-http.js';
import { microRounds } from './lib/signature-micro.js';
import { median, spread } from './lib/signature-stats.js';
import { createVerifiers, PATHS } from './lib/signature-verifiers.js';

const QUICK = process.argv.includes('--quick');
const PIN = process.argv.includes('--pin');
const ALGS = ['RS256', 'PS256', 'ES256', 'EdDSA'];
const MODES = ['seq', 1, 16, 64];
// jose compactVerify differs from jwtVerify only by the claim checks, which the micro rows show; the
// HTTP rounds skip it to keep the run short.
const HTTP_PATHS = PATHS.filter((path) => path.name !== 'jose compactVerify');
const CONFIG = QUICK
  ? { microRounds: 3, microTokens: 150, warmTokens: 50, httpRounds: 3, duration: 1, warmup: 1, pool: 300, connections: 32, importCount: 20 }
  : { microRounds: 5, microTokens: 800, warmTokens: 200, httpRounds: 5, duration: 3, warmup: 1, pool: 2000, connections: 32, importCount: 200 };

const log = (text) => process.stderr.write(text);
const seconds = (since) => `${((performance.now() - since) / 1000).toFixed(1)} s`;

// A last resort: if a handle leaked or a step hangs, say which resources are open and fail.
const leaked = (what) => {
  console.error(`signature-paths: ${what}; open resources:`, process.getActiveResourcesInfo());
  process.exit(1);
};
setTimeout(() => leaked('still running after its time budget'), (QUICK ? 4 : 20) * 60_000).unref();

/** An alg's key pair, the public JWK, and the two prepared forms of it the paths use. */
async function setUpKey(alg) {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), alg, use: 'sig', kid: `bench-${alg}` };
  // The same import core does today (remote-jwks.ts), and node's own JWK import.
  const cryptoKey = await importJWK({ ...jwk }, alg);
  const keyObject = crypto.createPublicKey({ key: jwk, format: 'jwk' });
  return { alg, privateKey, jwk, cryptoKey, keyObject };
}

let serial = 0;
/** `count` distinct access tokens (RFC 9068 shape), signed in parallel batches. */
async function mint({ alg, privateKey, jwk }, count) {
  const tokens = [];
  for (let i = 0; i < count; i += 64) {
    const batch = Array.from({ length: Math.min(64, count - i) }, () =>
      new SignJWT({ scope: 'orders:read orders:write', client_id: 'bench-client', jti: `${process.pid}-${++serial}` })
        .setProtectedHeader({ alg, typ: 'at+jwt', kid: jwk.kid })
        .setIssuer('http://127.0.0.1/issuer')
        .setAudience('http://127.0.0.1/api')
        .setSubject(`user-${serial}`)
        .setIssuedAt()
        .setExpirationTime('2h')
        .sign(privateKey),
    );
    tokens.push(...(await Promise.all(batch)));
  }
  return tokens;
}

const forge = (token) => {
  const [header, payload, signature] = token.split('.');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
  return `${header}.${Buffer.from(JSON.stringify({ ...claims, sub: 'mallory' })).toString('base64url')}.${signature}`;
};

/** Every path must accept a valid token and reject a forged payload and another key's signature. */
async function sanityCheck(alg, verifiers, token, foreignToken) {
  for (const [name, verify] of Object.entries(verifiers)) {
    const outcome = async (t) => {
      try {
        return { ok: true, payload: await verify(t) };
      } catch {
        return { ok: false };
      }
    };
    const good = await outcome(token);
    if (!good.ok || typeof good.payload?.sub !== 'string') throw new Error(`${alg} ${name} rejected a valid token`);
    if ((await outcome(forge(token))).ok) throw new Error(`${alg} ${name} accepted a forged payload`);
    if ((await outcome(foreignToken)).ok) throw new Error(`${alg} ${name} accepted another key's signature`);
  }
}

async function main() {
  const began = performance.now();
  if (PIN) pinToCpu(process.pid, 0);
  const load0 = os.loadavg()[0];
  log(`signature-paths${QUICK ? ' --quick' : ''}${PIN ? ' --pin' : ''}: node ${process.version}, ${os.cpus().length} CPUs, UV_THREADPOOL_SIZE=${process.env.UV_THREADPOOL_SIZE ?? '4 (default)'}, load ${load0.toFixed(2)}\n`);

  const keys = {};
  const verifiers = {};
  const keyRows = [];
  for (const alg of ALGS) {
    keys[alg] = await setUpKey(alg);
    verifiers[alg] = createVerifiers(alg, keys[alg]);
    const [token] = await mint(keys[alg], 1);
    const [foreign] = await mint(await setUpKey(alg), 1);
    await sanityCheck(alg, verifiers[alg], token, foreign);
    keyRows.push(
      await keyImportCost(alg, keys[alg].jwk, {
        count: CONFIG.importCount,
        rounds: 3,
        token,
        check: (keyObject, t) => {
          try {
            createVerifiers(alg, { ...keys[alg], keyObject })['crypto.verify sync'](t);
            return true;
          } catch {
            return false;
          }
        },
      }),
    );
  }
  log(`keys, sanity checks and key-import costs done (${seconds(began)})\n`);

  // 1. Micro: distinct tokens, a fresh pool every round.
  const micro = {};
  for (const alg of ALGS) {
    const start = performance.now();
    log(`micro ${alg}: warm-up`);
    const common = { paths: PATHS, verifiers: verifiers[alg], modes: MODES };
    await microRounds({ ...common, rounds: 1, mintPool: () => mint(keys[alg], CONFIG.warmTokens) });
    micro[alg] = await microRounds({
      ...common,
      rounds: CONFIG.microRounds,
      mintPool: () => mint(keys[alg], CONFIG.microTokens),
      onRound: (round) => log(` ${round + 1}`),
    });
    log(` (${seconds(start)})\n`);
  }

  // 2. HTTP: the server here, autocannon in a child process.
  const loader = startLoadGenerator({ cpu: PIN ? 1 : undefined });
  const http = {};
  let ceiling;
  try {
    const shared = { loader, connections: CONFIG.connections, duration: CONFIG.duration, warmup: CONFIG.warmup };
    for (const alg of ALGS) {
      const start = performance.now();
      log(`http ${alg}: minting ${CONFIG.pool} tokens, warm-up, rounds`);
      const tokens = await mint(keys[alg], CONFIG.pool);
      const targets = HTTP_PATHS.map((path) => ({ name: path.name, verify: verifiers[alg][path.name] }));
      const results = await httpRounds({ ...shared, targets, tokens, forged: forge(tokens[0]), rounds: CONFIG.httpRounds, onRound: (r) => log(` ${r + 1}`) });
      http[alg] = summariseHttp(results);
      log(` (${seconds(start)})\n`);
    }
    log('http ceiling (no verification):');
    const tokens = await mint(keys.ES256, 50);
    const result = await httpRounds({ ...shared, targets: [{ name: 'none', verify: null }], tokens, forged: forge(tokens[0]), rounds: 3 });
    ceiling = { rate: median(result.none.rates), spread: spread(result.none.rates), p50: median(result.none.p50), p99: median(result.none.p99), cpu: median(result.none.cpu) };
    log(' done\n');
  } finally {
    await loader.close();
  }

  const load1 = os.loadavg()[0];
  const out = [
    `## Signature paths${QUICK ? ' (--quick)' : ''}${PIN ? ' (--pin: server and its thread pool on CPU 0, load generator on CPU 1)' : ''}`,
    '',
    `Node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'}), libuv thread pool ${process.env.UV_THREADPOOL_SIZE ?? 4}, ` +
      `1-min load average ${load0.toFixed(2)} at start and ${load1.toFixed(2)} at the end; total ${seconds(began)}. ` +
      'RSA keys are 2048-bit, ES256 P-256, EdDSA Ed25519. Every path parses the header and payload JSON and checks the signature over distinct tokens.',
    '',
    `### Micro: ops/s (ratio to crypto.verify sync in the same mode and round, spread), median of ${CONFIG.microRounds} rounds × ${CONFIG.microTokens} fresh tokens`,
    '',
    microTable(micro, MODES),
    '',
    `### HTTP: node:http server on 127.0.0.1, autocannon in a child process, ${CONFIG.connections} connections, ${CONFIG.duration} s per run, median of ${CONFIG.httpRounds} interleaved runs, ${CONFIG.pool} distinct tokens rotating per request`,
    '',
    httpTable(http, ceiling),
    '',
    '### Key import, once per key (µs per call, median of 3 × ' + CONFIG.importCount + ')',
    '',
    keyTable(keyRows),
    '',
    '### Verdict',
    '',
    verdict(http, micro),
    '',
    '',
  ];
  process.stdout.write(out.join('\n'));
}

main().then(
  // Everything is closed by now, so the process ends on its own; if it does not, a handle leaked.
  () => setTimeout(() => leaked('did not exit after finishing'), 5_000).unref(),
  (error) => {
    console.error(`signature-paths failed: ${error?.message ?? error}`);
    process.exitCode = 1;
  },
);
