// Two instances of an API share introspection results through a real Redis: opaque tokens from oidc-provider,
// one instance on Express with ioredis, the other on Fastify with node-redis. A token introspected by one is a
// cache hit on the other (counted at the provider); a revoked token is refused by both once the revocation
// window has passed, with one request between them; Redis gone means each instance asks for itself.
import { createRedisIntrospectionCache } from '@tollgate/redis';
import { exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { connectBothClients, redisAvailable, sharedRedisUrl, startPrivateRedis } from '../support/redis-server.js';
import { API_CLIENTS, CLIENT_O, generateSigningKey, ORDERS_API, startOidcProvider, type OidcProviderServer } from './oidc-provider-server.js';
import { ORDERS_APPS, type OrdersApp } from './orders-apps.js';
import { requestToken } from './request-token.js';

const INTROSPECTION = '/token/introspection';
const startExpress = ORDERS_APPS.find(([name]) => name === 'express5')![1];
const startFastify = ORDERS_APPS.find(([name]) => name === 'fastify5')![1];

let server: OidcProviderServer;
let redisUrl: string;
let closeRedis: () => Promise<void>;
const closers: Array<() => Promise<unknown> | void> = [];

beforeAll(async () => {
  if (!redisAvailable) return;
  // The private_key_jwt client's key is not used here, but the provider registers every API client.
  const { publicKey } = await generateKeyPair('ES256', { extractable: true });
  const apiKey = { ...(await exportJWK(publicKey)), kid: 'orders-api-1', alg: 'ES256', use: 'sig' };
  server = await startOidcProvider({ keys: [await generateSigningKey('rsa-1', 'RS256')], introspection: { apiKey } });
  ({ url: redisUrl, close: closeRedis } = await sharedRedisUrl());
});

afterAll(async () => {
  for (const close of closers.reverse()) await close();
  await closeRedis?.();
  if (server) {
    expect(server.serverErrors).toEqual([]);
    await server.close();
  }
});

const opaque = async () => (await requestToken(server.issuer, CLIENT_O, { resource: ORDERS_API, scope: 'orders:read' })).access_token;

/** Two instances of the orders API, sharing one Redis under `prefix` through two different clients. */
async function twoInstances(prefix: string, url = redisUrl, maxAge = '60s'): Promise<[OrdersApp, OrdersApp]> {
  const { ioredis, nodeRedis, close } = await connectBothClients(url);
  closers.push(close);
  const optionsWith = (store: ReturnType<typeof createRedisIntrospectionCache>) => ({
    issuer: server.issuer,
    audience: ORDERS_API,
    allowInsecureRequests: true,
    introspection: { clientId: API_CLIENTS.basic.id, clientSecret: API_CLIENTS.basic.secret, cache: { store, maxAge, negativeMaxAge: '30s' } },
  });
  const a = await startExpress(optionsWith(createRedisIntrospectionCache({ client: ioredis, prefix })));
  const b = await startFastify(optionsWith(createRedisIntrospectionCache({ client: nodeRedis, prefix })));
  closers.push(() => a.close(), () => b.close());
  return [a, b];
}

const get = (app: OrdersApp, token: string) => fetch(`${app.url}/orders`, { headers: { authorization: `Bearer ${token}` } });
const runPrefix = (label: string) => `tollgate-test:${label}:${process.pid}:${Date.now()}:`;

describe.skipIf(!redisAvailable)('two API instances, one Redis', () => {
  test('a token introspected by one instance is a cache hit on the other: one request to the provider in all', async () => {
    const [a, b] = await twoInstances(runPrefix('shared'));
    const token = await opaque();
    const before = server.hits(INTROSPECTION);
    expect((await get(a, token)).status).toBe(200);
    expect(server.hits(INTROSPECTION)).toBe(before + 1);
    const response = await get(b, token);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ clientId: CLIENT_O.id, scopes: ['orders:read'] });
    for (let i = 0; i < 5; i++) expect((await get(i % 2 ? a : b, token)).status).toBe(200);
    expect(server.hits(INTROSPECTION)).toBe(before + 1);
  });

  test('an unknown token: one request, then both instances refuse it from the shared negative entry', async () => {
    const [a, b] = await twoInstances(runPrefix('negative'));
    const before = server.hits(INTROSPECTION);
    expect((await get(a, 'made-up-opaque-token')).status).toBe(401);
    expect((await get(b, 'made-up-opaque-token')).status).toBe(401);
    expect(server.hits(INTROSPECTION)).toBe(before + 1);
  });

  test('a revoked token is accepted by both until the revocation window passes, then refused by both', async () => {
    const [a, b] = await twoInstances(runPrefix('revoked'), redisUrl, '2s');
    const token = await opaque();
    expect((await get(a, token)).status).toBe(200);
    const revoked = await fetch(`${server.issuer}/token/revocation`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${CLIENT_O.id}:${CLIENT_O.secret}`).toString('base64')}` },
      body: new URLSearchParams({ token, token_type_hint: 'access_token' }),
    });
    expect(revoked.status).toBe(200);
    // Within the window: the shared entry still says active (the documented revocation window).
    expect((await get(b, token)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const before = server.hits(INTROSPECTION);
    expect((await get(b, token)).status).toBe(401);
    expect((await get(a, token)).status).toBe(401);
    expect(server.hits(INTROSPECTION)).toBe(before + 1);
  });

  test('Redis gone: each instance asks the provider itself and keeps answering; nothing is let through that should not be', async () => {
    const redis = await startPrivateRedis();
    closers.push(() => redis.stop());
    const [a, b] = await twoInstances(runPrefix('gone'), redis.url);
    const token = await opaque();
    await redis.stop();
    const before = server.hits(INTROSPECTION);
    expect((await get(a, token)).status).toBe(200);
    expect((await get(b, token)).status).toBe(200);
    expect((await get(a, 'made-up-while-down')).status).toBe(401);
    expect(server.hits(INTROSPECTION)).toBeGreaterThanOrEqual(before + 2);
  });
});
