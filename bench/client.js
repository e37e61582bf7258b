// What @tollgate/client costs a caller, on the built package: getToken() on a warm cache (ops/s and heap
// bytes allocated per call), and client.fetch's overhead over a plain fetch that sets the same header,
// against a local server on 127.0.0.1.
//
//   node --expose-gc bench/client.js [--quick] [--rounds 5]
//
// Reports; never fails on timings. Allocation is measured with the garbage collector idle (a run during
// which a collection happened is reported as such, not as a number).
import { createServer } from 'node:http';
import { PerformanceObserver } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

import { createTokenClient } from '../packages/client/dist/index.js';
import { createTestIssuer } from '../packages/testing/dist/index.js';
import { closeServer, listenLocally } from './lib/local-server.js';

const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, rounds: { type: 'string' } } });
const ROUNDS = Number(values.rounds ?? (values.quick ? 3 : 5));
const CALLS = values.quick ? 200_000 : 2_000_000;
const ALLOC_CALLS = 20_000;
const REQUESTS = values.quick ? 300 : 2_000;

const median = (list) => [...list].sort((a, b) => a - b)[list.length >> 1];
const gc = globalThis.gc;

const issuer = await createTestIssuer({ algorithms: ['ES256'], clients: [{ clientId: 'bench', clientSecret: 'bench-secret', scopes: ['orders:read', 'orders:write'], tokenLifetime: 3600 }] });
const api = createServer((req, res) => {
  req.resume();
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 2 }).end('ok');
});
const apiUrl = `http://127.0.0.1:${await listenLocally(api)}/orders`;

let collections = 0;
const observer = new PerformanceObserver((list) => (collections += list.getEntries().length));
observer.observe({ entryTypes: ['gc'] });

try {
  const client = createTokenClient({ tokenEndpoint: issuer.tokenEndpoint, clientId: 'bench', auth: { secret: 'bench-secret' }, scopes: ['orders:read'], allowInsecureRequests: true });
  const token = await client.getToken();
  const scoped = { scopes: ['orders:write'] };
  await client.getToken(scoped);

  // 1. getToken() on a warm cache: the call itself (the promise is awaited once per batch of calls).
  const rate = async (call) => {
    const results = [];
    for (let round = 0; round < ROUNDS; round++) {
      const started = process.hrtime.bigint();
      let last;
      for (let i = 0; i < CALLS; i++) last = call();
      await last;
      results.push(CALLS / (Number(process.hrtime.bigint() - started) / 1e9));
    }
    return median(results);
  };
  const warm = await rate(() => client.getToken());
  const warmScoped = await rate(() => client.getToken(scoped));
  const awaited = [];
  for (let round = 0; round < ROUNDS; round++) {
    const started = process.hrtime.bigint();
    for (let i = 0; i < CALLS / 10; i++) await client.getToken();
    awaited.push(CALLS / 10 / (Number(process.hrtime.bigint() - started) / 1e9));
  }

  // 2. Heap bytes allocated per warm call, with the collector idle.
  const allocation = async (call) => {
    if (!gc) return 'run with --expose-gc';
    gc();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const before = collections;
    const heap = process.memoryUsage().heapUsed;
    for (let i = 0; i < ALLOC_CALLS; i++) call();
    const used = process.memoryUsage().heapUsed - heap;
    if (collections !== before) return 'a collection ran; not measured';
    return `${Math.max(0, used / ALLOC_CALLS).toFixed(1)} B`;
  };
  const allocWarm = await allocation(() => client.getToken());
  const allocScoped = await allocation(() => client.getToken(scoped));

  // 3. client.fetch against fetch with the same Authorization header, sequential, alternating per round.
  const plain = () => fetch(apiUrl, { headers: { authorization: `Bearer ${token}` } }).then((response) => response.text());
  const wrapped = () => client.fetch(apiUrl).then((response) => response.text());
  for (let i = 0; i < 200; i++) {
    await plain();
    await wrapped();
  }
  const timing = { plain: [], wrapped: [] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, call] of [['plain', plain], ['wrapped', wrapped]]) {
      const started = process.hrtime.bigint();
      for (let i = 0; i < REQUESTS; i++) await call();
      timing[name].push(Number(process.hrtime.bigint() - started) / 1e3 / REQUESTS);
    }
  }
  const plainUs = median(timing.plain);
  const wrappedUs = median(timing.wrapped);

  // 4. client.fetch's own work, without the network: a fetch that answers at once, with and without the wrapper.
  const instant = () => Promise.resolve(new Response(null, { status: 204 }));
  const instantClient = createTokenClient({ tokenEndpoint: issuer.tokenEndpoint, clientId: 'bench', auth: { secret: 'bench-secret' }, allowInsecureRequests: true, fetch: (input, init) => (String(input) === issuer.tokenEndpoint ? fetch(input, init) : instant()) });
  await instantClient.getToken();
  const own = { plain: [], wrapped: [] };
  const LOCAL = REQUESTS * 20;
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, call] of [
      ['plain', () => instant(apiUrl, { headers: new Headers({ authorization: `Bearer ${token}` }) })],
      ['wrapped', () => instantClient.fetch(apiUrl)],
    ]) {
      const started = process.hrtime.bigint();
      for (let i = 0; i < LOCAL; i++) await call();
      own[name].push(Number(process.hrtime.bigint() - started) / 1e3 / LOCAL);
    }
  }

  const ops = (n) => `${Math.round(n).toLocaleString('en-US')} ops/s`;
  console.log(`@tollgate/client, node ${process.version}, median of ${ROUNDS} rounds${values.quick ? ' (quick)' : ''}`);
  console.log(`getToken(), warm cache:                 ${ops(warm).padStart(22)}  (${(1e9 / warm).toFixed(0)} ns/call), ${allocWarm}/call`);
  console.log(`getToken({ scopes }), warm cache:       ${ops(warmScoped).padStart(22)}  (${(1e9 / warmScoped).toFixed(0)} ns/call), ${allocScoped}/call`);
  console.log(`await getToken(), warm cache:           ${ops(median(awaited)).padStart(22)}`);
  console.log(`fetch with the header, 127.0.0.1:       ${plainUs.toFixed(1).padStart(14)} µs/request`);
  console.log(`client.fetch, 127.0.0.1:                ${wrappedUs.toFixed(1).padStart(14)} µs/request  (overhead ${(wrappedUs - plainUs).toFixed(1)} µs, ${(((wrappedUs - plainUs) / plainUs) * 100).toFixed(1)} %)`);
  console.log(`client.fetch's own work (no network):    ${(median(own.wrapped) - median(own.plain)).toFixed(2).padStart(14)} µs/request  (${median(own.wrapped).toFixed(2)} vs ${median(own.plain).toFixed(2)} µs)`);
  console.log(`token requests sent: ${issuer.requests.token}`);
} finally {
  observer.disconnect();
  await closeServer(api);
  await issuer.close();
}
