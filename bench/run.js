// Benchmark: tollgate against peer JWT/OAuth resource-server libraries, in one process, on one machine.
//
//   node bench/run.js           full run (a few minutes); writes bench/results.md
//   node bench/run.js --quick   small N, well under 30 s; prints only (for CI: never asserts timings)
//
// Runs on the BUILT packages (`pnpm build` / `tsc -b` first). Everything talks to a local test issuer
// on 127.0.0.1; request counts are fixed; servers, agents and the issuer are closed at the end.
// Libraries are interleaved in rounds (alternating order) and the median per library is reported,
// together with the median of the per-round ratios to tollgate, so machine drift hits all rows alike.
import http from 'node:http';
import os from 'node:os';
import { writeFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

import { createVerifier } from '@tollgate/core';
import { createTestIssuer } from '@tollgate/testing';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { auth as auth0Middleware } from 'express-oauth2-jwt-bearer';
import { expressjwt } from 'express-jwt';
import jwksRsa from 'jwks-rsa';
import { createVerifier as createFastJwtVerifier } from 'fast-jwt';
import buildGetJwks from 'get-jwks';
import express from 'express';

const QUICK = process.argv.includes('--quick');
const CONFIG = QUICK
  ? { rounds: 3, warmup: 20, repeated: 100, distinct: 40, http: 200, concurrency: 8, algs: ['RS256', 'ES256'] }
  : { rounds: 5, warmup: 300, repeated: 2000, distinct: 600, http: 2000, concurrency: 16, algs: ['RS256', 'ES256'] };
const TOKEN_LIFETIME = 3600; // long enough for the whole run, so no pre-minted token expires mid-benchmark
const REFERENCE = 'tollgate';
const startedAt = performance.now();

// If the process is still alive this long after the end, some handle leaked: say which, and fail.
const leakGuard = (delayMs) =>
  setTimeout(() => {
    console.error('bench: process did not exit; open resources:', process.getActiveResourcesInfo());
    process.exit(1);
  }, delayMs).unref();

// ---------------------------------------------------------------------------------------------
// Libraries under test. Each entry builds, for one algorithm:
//   fn():   a function `(token) => Promise<unknown>` that verifies one token (rejects when invalid)
//   app():  an Express 5 app with GET /orders protected by that library
// ---------------------------------------------------------------------------------------------

/** A minimal stand-in for an Express request, for calling a middleware without HTTP. */
function fakeRequest(token) {
  const headers = { authorization: `Bearer ${token}`, host: '127.0.0.1' };
  return {
    headers,
    rawHeaders: ['authorization', headers.authorization, 'host', headers.host],
    method: 'GET',
    url: '/orders',
    originalUrl: '/orders',
    path: '/orders',
    query: {},
    body: undefined,
    protocol: 'http',
    socket: { remoteAddress: '127.0.0.1' },
    get(name) {
      return headers[name.toLowerCase()];
    },
    is() {
      return false;
    },
  };
}

/** Calls an Express middleware with a fake request; resolves when it calls next(), rejects on next(err). */
function callMiddleware(middleware, token) {
  return new Promise((resolve, reject) => {
    const req = fakeRequest(token);
    middleware(req, {}, (error) => (error ? reject(error) : resolve(req.auth)));
  });
}

function bearer(req) {
  const header = req.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i.exec(header);
  return match ? match[1] : undefined;
}

function errorHandler(err, req, res, next) {
  if (res.headersSent) return next(err);
  const status = err.status ?? err.statusCode ?? 401;
  res.status(status).json({ error: err.code ?? 'invalid_token' });
}

function protectedApp(middleware) {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.get('/orders', middleware, (req, res) => {
    res.json({ ok: true, sub: req.auth?.sub ?? req.auth?.subject ?? req.auth?.payload?.sub ?? req.auth?.claims?.sub });
  });
  app.use(errorHandler);
  return app;
}

/** tollgate's Express middleware: the real adapter when it is built, else a tiny inline one. */
async function loadTollgateExpress() {
  try {
    const mod = await import('@tollgate/express');
    if (typeof mod.requireAuth === 'function') return { requireAuth: mod.requireAuth, inline: false };
  } catch {
    // not built yet: fall through
  }
  const requireAuth = (verifier) => async (req, res, next) => {
    try {
      req.auth = await verifier.authenticate({ headers: req.headers, rawHeaders: req.rawHeaders, method: req.method, query: req.query });
      next();
    } catch (error) {
      res.status(error.status ?? 401);
      if (typeof error.wwwAuthenticate === 'function') res.set('WWW-Authenticate', error.wwwAuthenticate());
      res.json({ error: error.code ?? 'invalid_token', error_description: error.description });
    }
  };
  return { requireAuth, inline: true };
}

function defineLibraries(issuer, tollgateExpress) {
  const { issuer: iss, audience, jwksUri } = issuer;
  // With the real adapter pass the options (the documented usage); the inline one needs a verifier.
  const tollgateMiddleware = (options) =>
    tollgateExpress.inline ? tollgateExpress.requireAuth(createVerifier(options)) : tollgateExpress.requireAuth(options);
  const expressNote = tollgateExpress.inline ? ' [inline middleware: @tollgate/express has no requireAuth yet]' : ' [@tollgate/express requireAuth]';
  const fastJwt = (alg, cache) => {
    const getJwks = buildGetJwks({ providerDiscovery: false, issuersWhitelist: [iss], jwksPath: new URL(jwksUri).pathname });
    return createFastJwtVerifier({
      key: async ({ header, payload }) => getJwks.getPublicKey({ kid: header.kid, alg: header.alg, domain: payload.iss }),
      algorithms: [alg],
      allowedIss: iss,
      allowedAud: audience,
      requiredClaims: ['exp'],
      cache,
    });
  };
  const fastJwtMiddleware = (verify) => async (req, res, next) => {
    const token = bearer(req);
    if (!token) return next(Object.assign(new Error('missing token'), { status: 401 }));
    try {
      req.auth = await verify(token);
      next();
    } catch (error) {
      next(Object.assign(error, { status: 401 }));
    }
  };

  return [
    {
      name: 'tollgate',
      note: 'createVerifier({ issuer, audience }) with discovery; verified-token LRU cache on (default)',
      httpNote: expressNote,
      fn: () => {
        const verifier = createVerifier({ issuer: iss, audience, allowInsecureRequests: true });
        return (token) => verifier.verify(token);
      },
      app: () => protectedApp(tollgateMiddleware({ issuer: iss, audience, allowInsecureRequests: true })),
    },
    {
      name: 'tollgate (cache: false)',
      note: 'same, with the verified-token cache disabled: every call checks the signature',
      httpNote: expressNote,
      fn: () => {
        const verifier = createVerifier({ issuer: iss, audience, allowInsecureRequests: true, cache: false });
        return (token) => verifier.verify(token);
      },
      app: () => protectedApp(tollgateMiddleware({ issuer: iss, audience, allowInsecureRequests: true, cache: false })),
    },
    {
      name: 'jose (createRemoteJWKSet + jwtVerify)',
      note: 'the hand-rolled baseline; HTTP app uses a small hand-written middleware',
      httpNote: ' [hand-written middleware]',
      fn: (alg) => {
        const jwks = createRemoteJWKSet(new URL(jwksUri));
        return (token) => jwtVerify(token, jwks, { issuer: iss, audience, algorithms: [alg], requiredClaims: ['exp'] });
      },
      app: (alg) => {
        const jwks = createRemoteJWKSet(new URL(jwksUri));
        return protectedApp(async (req, res, next) => {
          const token = bearer(req);
          if (!token) return next(Object.assign(new Error('missing token'), { status: 401 }));
          try {
            req.auth = (await jwtVerify(token, jwks, { issuer: iss, audience, algorithms: [alg], requiredClaims: ['exp'] })).payload;
            next();
          } catch (error) {
            next(Object.assign(error, { status: 401 }));
          }
        });
      },
    },
    {
      name: 'express-oauth2-jwt-bearer',
      note: 'Auth0 auth() middleware with issuer + jwksUri + tokenSigningAlg; function level calls it with a fake req',
      httpNote: '',
      fn: (alg) => {
        const middleware = auth0Middleware({ issuer: iss, audience, jwksUri, tokenSigningAlg: alg });
        return (token) => callMiddleware(middleware, token);
      },
      app: (alg) => protectedApp(auth0Middleware({ issuer: iss, audience, jwksUri, tokenSigningAlg: alg })),
    },
    {
      name: 'express-jwt + jwks-rsa',
      note: 'expressjwt({ secret: expressJwtSecret({ jwksUri, cache: true }) }); function level calls it with a fake req',
      httpNote: '',
      fn: (alg) => {
        const middleware = expressjwt({
          secret: jwksRsa.expressJwtSecret({ jwksUri, cache: true, rateLimit: true, jwksRequestsPerMinute: 10 }),
          algorithms: [alg],
          issuer: iss,
          audience,
        });
        return (token) => callMiddleware(middleware, token);
      },
      app: (alg) =>
        protectedApp(
          expressjwt({
            secret: jwksRsa.expressJwtSecret({ jwksUri, cache: true, rateLimit: true, jwksRequestsPerMinute: 10 }),
            algorithms: [alg],
            issuer: iss,
            audience,
          }),
        ),
    },
    {
      name: 'fast-jwt + get-jwks',
      note: 'fast-jwt createVerifier with a get-jwks key fetcher, token cache off (its default); HTTP app uses a small hand-written middleware',
      httpNote: ' [hand-written middleware]',
      fn: (alg) => fastJwt(alg, false),
      app: (alg) => protectedApp(fastJwtMiddleware(fastJwt(alg, false))),
    },
    {
      name: 'fast-jwt + get-jwks (cache: true)',
      note: 'same with fast-jwt’s own verified-token cache on (the closest peer to tollgate’s default)',
      httpNote: ' [hand-written middleware]',
      fn: (alg) => fastJwt(alg, true),
      app: (alg) => protectedApp(fastJwtMiddleware(fastJwt(alg, true))),
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// Measurement
// ---------------------------------------------------------------------------------------------

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** Verifies `count` tokens one after the other (tokens[i % length]); returns ops/s. */
async function timeSequential(verify, tokens, count) {
  const start = performance.now();
  for (let i = 0; i < count; i++) await verify(tokens[i % tokens.length]);
  return count / ((performance.now() - start) / 1000);
}

function httpGet(agent, port, token) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/orders', agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.setTimeout(10_000, () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end();
  });
}

/** Sends exactly `count` keep-alive GETs with `concurrency` in flight; returns requests/s (throws on any non-200). */
async function timeHttp({ agent, port }, tokens, count, concurrency) {
  let next = 0;
  let failures = 0;
  let lastStatus = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const status = await httpGet(agent, port, tokens[i % tokens.length]);
      if (status !== 200) {
        failures++;
        lastStatus = status;
      }
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const rate = count / ((performance.now() - start) / 1000);
  if (failures) throw new Error(`${failures} of ${count} requests failed (last status ${lastStatus})`);
  return rate;
}

/**
 * Runs one scenario: warm-up, then `rounds` rounds in which every library runs once (order reversed
 * every other round). `run(lib, round)` returns ops/s. Returns a row per library.
 */
async function scenario(title, libs, { warmup, run }) {
  const began = performance.now();
  process.stderr.write(`  ${title}: warm-up`);
  for (const lib of libs) await warmup(lib);
  const perRound = new Map(libs.map((lib) => [lib.name, []]));
  for (let round = 0; round < CONFIG.rounds; round++) {
    process.stderr.write(` ${round + 1}`);
    const order = round % 2 === 0 ? libs : [...libs].reverse();
    for (const lib of order) perRound.get(lib.name).push(await run(lib, round));
  }
  process.stderr.write(` (${((performance.now() - began) / 1000).toFixed(1)} s)\n`);
  const reference = perRound.get(REFERENCE);
  const noCache = perRound.get(`${REFERENCE} (cache: false)`);
  return libs.map((lib) => {
    const rates = perRound.get(lib.name);
    return {
      scenario: title,
      library: lib.name + (lib.label ?? ''),
      opsPerSec: median(rates),
      // Median of per-round ratios: each ratio compares two runs made close together in time.
      relative: median(rates.map((rate, i) => rate / reference[i])),
      relativeNoCache: noCache ? median(rates.map((rate, i) => rate / noCache[i])) : NaN,
      spread: (Math.max(...rates) - Math.min(...rates)) / median(rates),
    };
  });
}

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
async function sanityCheck(name, verify, token) {
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

// ---------------------------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------------------------

const fmtOps = (n) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(1));
const fmtRatio = (r) => {
  if (!Number.isFinite(r)) return '–';
  if (r >= 100) return `${Math.round(r)}×`;
  if (r >= 10) return `${r.toFixed(1)}×`;
  if (r >= 0.1) return `${r.toFixed(2)}×`;
  return `${r.toPrecision(2)}×`; // keep two significant digits for the very small ratios
};

function renderTable(rows) {
  const lines = [
    '| library | scenario | ops/s | relative to tollgate | relative to tollgate (cache: false) | spread |',
    '|---|---|--:|--:|--:|--:|',
  ];
  for (const row of rows) {
    lines.push(
      `| ${row.library} | ${row.scenario} | ${fmtOps(row.opsPerSec)} | ${fmtRatio(row.relative)} | ${fmtRatio(row.relativeNoCache)} | ±${Math.round((row.spread * 100) / 2)}% |`,
    );
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------

async function main() {
  const guard = leakGuard(QUICK ? 120_000 : 1_800_000); // hard upper bound on the whole run
  const issuer = await createTestIssuer({ algorithms: CONFIG.algs });
  const servers = [];
  try {
    const tollgateExpress = await loadTollgateExpress();
    const libs = defineLibraries(issuer, tollgateExpress);

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

    const rows = [];
    for (const alg of CONFIG.algs) {
      const t = tokens[alg];
      const verifiers = new Map();
      for (const lib of libs) {
        const verify = lib.fn(alg);
        await sanityCheck(`${lib.name} (${alg})`, verify, t.warmup[0]);
        verifiers.set(lib.name, verify);
      }
      const v = (lib) => verifiers.get(lib.name);
      rows.push(
        ...(await scenario(`${alg}, same token ×${CONFIG.repeated}`, libs, {
          warmup: (lib) => timeSequential(v(lib), t.repeated, CONFIG.warmup),
          run: (lib) => timeSequential(v(lib), t.repeated, CONFIG.repeated),
        })),
      );
      rows.push(
        ...(await scenario(`${alg}, ${CONFIG.distinct} distinct tokens`, libs, {
          warmup: (lib) => timeSequential(v(lib), t.warmup, t.warmup.length),
          run: (lib, round) => timeSequential(v(lib), t.rounds[round], t.rounds[round].length),
        })),
      );
    }

    // HTTP end to end (RS256): one Express 5 app per library, each with its own verifier instance.
    const alg = 'RS256';
    const t = tokens[alg];
    const targets = new Map();
    // Reference row: the same Express app with no authentication at all, i.e. the HTTP ceiling.
    const ceiling = { name: 'Express only, no auth (ceiling)', httpNote: '', note: 'HTTP only: the same app and client without any token check', app: () => protectedApp((req, res, next) => next()) };
    for (const lib of [...libs, ceiling]) {
      const server = http.createServer(lib.app(alg));
      servers.push(server);
      await new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', resolve);
      });
      const agent = new http.Agent({ keepAlive: true, maxSockets: CONFIG.concurrency });
      targets.set(lib.name, { agent, port: server.address().port, server });
    }
    const httpLibs = [...libs, ceiling].map((lib) => ({ ...lib, label: lib.httpNote }));
    rows.push(
      ...(await scenario(`HTTP, same token ×${CONFIG.http} (c=${CONFIG.concurrency})`, httpLibs, {
        warmup: (lib) => timeHttp(targets.get(lib.name), t.repeated, CONFIG.warmup, CONFIG.concurrency),
        run: (lib) => timeHttp(targets.get(lib.name), t.repeated, CONFIG.http, CONFIG.concurrency),
      })),
    );
    rows.push(
      ...(await scenario(`HTTP, ${CONFIG.distinct} distinct tokens (c=${CONFIG.concurrency})`, httpLibs, {
        warmup: (lib) => timeHttp(targets.get(lib.name), t.warmup, t.warmup.length, CONFIG.concurrency),
        run: (lib, round) => timeHttp(targets.get(lib.name), t.rounds[round], t.rounds[round].length, CONFIG.concurrency),
      })),
    );
    for (const { agent } of targets.values()) agent.destroy();

    const cpus = os.cpus();
    const header =
      `Node ${process.version} · ${cpus[0]?.model?.trim() ?? 'unknown CPU'} (${cpus.length} logical cores) · ${new Date().toISOString()} · ` +
      `${QUICK ? 'quick' : 'full'} mode · ${CONFIG.rounds} rounds, median · N: same token ×${CONFIG.repeated}, ` +
      `distinct ${CONFIG.distinct}/round, HTTP ${CONFIG.http} requests/round at concurrency ${CONFIG.concurrency}`;
    const notes = [
      '',
      '"relative to tollgate" = library ops/s ÷ tollgate ops/s, median of per-round ratios (1.00× = tollgate; 0.25× = a quarter of the throughput, i.e. 4× the time per op; >1 = faster than tollgate).',
      '"spread" = (max − min) / median of the per-round ops/s, halved.',
      'Function-level rows call each library directly (Express middlewares with a fake req); HTTP rows go through Express 5 on 127.0.0.1 with a keep-alive node:http client in the same process.',
      '',
      ...[...libs, ceiling].map((lib) => `- **${lib.name}**: ${lib.note}`),
    ];
    const markdown = `# tollgate benchmark results\n\n${header}\n\n${renderTable(rows)}\n${notes.join('\n')}\n`;
    process.stdout.write(`\n${header}\n\n${renderTable(rows)}\n${notes.join('\n')}\n`);
    if (!QUICK) {
      const out = fileURLToPath(new URL('./results.md', import.meta.url));
      await writeFile(out, markdown);
      process.stderr.write(`wrote ${out}\n`);
    }
    process.stderr.write(`total wall time ${((performance.now() - startedAt) / 1000).toFixed(1)} s\n`);
  } finally {
    for (const server of servers) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(() => resolve()));
    }
    await issuer.close();
    clearTimeout(guard);
    leakGuard(10_000);
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
