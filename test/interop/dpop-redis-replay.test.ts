// DPoP replay protection across instances: two APIs (Express with ioredis, Fastify with node-redis) share one
// real Redis through @tollgate/redis. A proof accepted by one is a replay on the other; a Redis that is down
// or may evict keys early makes DPoP requests a 503 with Retry-After, never a pass; it recovers by itself.
import { createRedisReplayStore } from '@tollgate/redis';
import { createDpopKey, createDpopProof, createTestIssuer, type DpopKey, type TestIssuer } from '@tollgate/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { connectBothClients, redisAvailable, sharedRedisUrl, startPrivateRedis } from '../support/redis-server.js';
import { ORDERS_APPS, type OrdersApp } from './orders-apps.js';

const startExpress = ORDERS_APPS.find(([name]) => name === 'express5')![1];
const startFastify = ORDERS_APPS.find(([name]) => name === 'fastify5')![1];

let issuer: TestIssuer;
let key: DpopKey;
let redisUrl: string;
let closeRedis: () => Promise<void>;
const closers: Array<() => Promise<unknown> | void> = [];

beforeAll(async () => {
  if (!redisAvailable) return;
  issuer = await createTestIssuer({ algorithms: ['ES256'] });
  key = await createDpopKey('ES256');
  ({ url: redisUrl, close: closeRedis } = await sharedRedisUrl());
});

afterAll(async () => {
  for (const close of closers.reverse()) await close();
  await closeRedis?.();
  await issuer?.close();
});

/** Two instances of the orders API sharing one Redis replay store under `prefix`, through two kinds of client. */
async function twoInstances(prefix: string, url = redisUrl): Promise<[OrdersApp, OrdersApp]> {
  const { ioredis, nodeRedis, close } = await connectBothClients(url);
  closers.push(close);
  const optionsWith = (replay: ReturnType<typeof createRedisReplayStore>) => ({
    issuer: issuer.issuer,
    audience: issuer.audience,
    allowInsecureRequests: true,
    dpop: { required: true, replay },
  });
  const a = await startExpress(optionsWith(createRedisReplayStore({ client: ioredis, prefix })));
  const b = await startFastify(optionsWith(createRedisReplayStore({ client: nodeRedis, prefix })));
  closers.push(() => a.close(), () => b.close());
  return [a, b];
}

/** GET /orders on `app` with a DPoP-bound `token` and its `proof`. */
const get = (app: OrdersApp, token: string, proof: string) => fetch(`${app.url}/orders`, { headers: { authorization: `DPoP ${token}`, dpop: proof } });
const boundToken = () => issuer.sign({ cnf: key.cnf, scope: 'orders:read' });
const runPrefix = (label: string) => `tollgate-test:${label}:${process.pid}:${Date.now()}:`;

describe.skipIf(!redisAvailable)('DPoP replay protection shared through Redis', () => {
  test('a proof accepted by one instance is a replay on the other, and on itself', async () => {
    const [a, b] = await twoInstances(runPrefix('dpop-shared'));
    const token = await boundToken();
    // The two instances listen on different ports here, so each proof names its instance's URL; the replay
    // key is the proof key's thumbprint and the jti, which both proofs share.
    const jti = `shared-${Date.now()}`;
    const forA = createDpopProof({ key, method: 'GET', url: `${a.url}/orders`, token, jti });
    const forB = createDpopProof({ key, method: 'GET', url: `${b.url}/orders`, token, jti });
    expect((await get(a, token, forA)).status).toBe(200);
    const replayed = await get(b, token, forB);
    expect(replayed.status).toBe(401);
    expect(replayed.headers.get('www-authenticate')).toContain('error="invalid_dpop_proof"');
    expect((await get(a, token, forA)).status).toBe(401);
    // A fresh proof passes on either.
    expect((await get(b, token, createDpopProof({ key, method: 'GET', url: `${b.url}/orders`, token }))).status).toBe(200);
  });

  test('200 concurrent uses of one proof across both instances: exactly one accepted', async () => {
    const [a, b] = await twoInstances(runPrefix('dpop-race'));
    const token = await boundToken();
    const jti = `race-${Date.now()}`;
    const proofs = { a: createDpopProof({ key, method: 'GET', url: `${a.url}/orders`, token, jti }), b: createDpopProof({ key, method: 'GET', url: `${b.url}/orders`, token, jti }) };
    const statuses = await Promise.all(Array.from({ length: 200 }, (_, i) => (i % 2 ? get(b, token, proofs.b) : get(a, token, proofs.a)).then((r) => r.status)));
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    expect(new Set(statuses)).toEqual(new Set([200, 401]));
  });

  test('Redis down: DPoP requests are a 503 with Retry-After, never a pass; back up, they pass again', async () => {
    const redis = await startPrivateRedis();
    closers.push(() => redis.stop());
    const [a] = await twoInstances(runPrefix('dpop-down'), redis.url);
    const token = await boundToken();
    expect((await get(a, token, createDpopProof({ key, method: 'GET', url: `${a.url}/orders`, token }))).status).toBe(200);
    await redis.stop();
    const down = await get(a, token, createDpopProof({ key, method: 'GET', url: `${a.url}/orders`, token }));
    expect(down.status).toBe(503);
    expect(Number(down.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    await redis.start();
    const deadline = Date.now() + 8000;
    let status = 0;
    while (status !== 200 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      status = (await get(a, token, createDpopProof({ key, method: 'GET', url: `${a.url}/orders`, token }))).status;
    }
    expect(status).toBe(200);
  }, 20_000);

  test('a Redis that may evict keys early: DPoP requests are a 503 that says nothing of Redis to the client', async () => {
    const redis = await startPrivateRedis(['--maxmemory', '50mb', '--maxmemory-policy', 'allkeys-lru']);
    closers.push(() => redis.stop());
    const [a] = await twoInstances(runPrefix('dpop-evict'), redis.url);
    const token = await boundToken();
    const response = await get(a, token, createDpopProof({ key, method: 'GET', url: `${a.url}/orders`, token }));
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('60');
    expect(await response.text()).not.toMatch(/redis|maxmemory/i);
  });
});
