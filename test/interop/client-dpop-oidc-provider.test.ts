// Interop: @tollgate/client with dpop against oidc-provider (a real, independent authorization server that
// requires DPoP nonces here): a DPoP-bound token for the orders API, then calls to Express, Koa and Fastify
// apps that require DPoP, each checking the proof and the binding with @tollgate/core.
import { createTokenClient } from '@tollgate/client';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_A, generateSigningKey, ORDERS_API, startOidcProvider, type OidcProviderServer } from './oidc-provider-server.js';
import { ORDERS_APPS, type OrdersApp } from './orders-apps.js';

let server: OidcProviderServer;
const apps: OrdersApp[] = [];

beforeAll(async () => {
  server = await startOidcProvider({ keys: [await generateSigningKey('rsa-1', 'RS256')], dpopNonce: true });
  for (const [, start] of ORDERS_APPS) {
    apps.push(await start({ issuer: server.issuer, audience: ORDERS_API, allowInsecureRequests: true, dpop: { required: true, nonce: { secret: 'interop-dpop-nonce-secret-of-32-chars+' } } }));
  }
});
afterAll(async () => {
  for (const app of apps) await app.close();
  await server?.close();
});

describe('@tollgate/client with dpop against oidc-provider', () => {
  it('gets a DPoP-bound token (one extra round trip for the provider nonce) and calls Express, Koa and Fastify with it', async () => {
    const client = createTokenClient({
      issuer: server.issuer,
      clientId: CLIENT_A.id,
      auth: { secret: CLIENT_A.secret },
      scopes: ['orders:read', 'orders:write'],
      resource: ORDERS_API,
      allowInsecureRequests: true,
      dpop: true,
    });
    const details = await client.getTokenDetails();
    expect(details.tokenType).toBe('DPoP');
    expect(decodeJwt(details.accessToken).cnf).toEqual({ jkt: client.dpopKey!.jkt });
    expect(server.hits('/token')).toBe(2);
    for (const app of apps) {
      const read = await client.fetch(`${app.url}/orders`);
      expect(read.status, app.framework).toBe(200);
      expect(await read.json()).toMatchObject({ clientId: CLIENT_A.id, scopes: ['orders:read', 'orders:write'] });
      expect((await client.fetch(`${app.url}/orders`, { method: 'POST', body: '{}' })).status, app.framework).toBe(201);
    }
    // One token for all of it.
    expect(server.hits('/token')).toBe(2);
    expect(server.serverErrors).toEqual([]);
  });

  it('a token bound to the client key is refused with a proof by another key, and as Bearer', async () => {
    const base = { issuer: server.issuer, clientId: CLIENT_A.id, auth: { secret: CLIENT_A.secret }, scopes: ['orders:read'], resource: ORDERS_API, allowInsecureRequests: true } as const;
    const owner = createTokenClient({ ...base, dpop: true });
    const thief = createTokenClient({ ...base, dpop: true });
    const token = await owner.getToken();
    for (const app of apps) {
      const url = `${app.url}/orders`;
      // The thief first learns the API's nonce (one 401), then still fails on the key.
      thief.rememberDpopNonce(url, (await fetch(url, { headers: { authorization: `DPoP ${token}`, dpop: thief.dpopProof('GET', url, token) } })).headers);
      const stolen = await fetch(url, { headers: { authorization: `DPoP ${token}`, dpop: thief.dpopProof('GET', url, token) } });
      expect(stolen.status, app.framework).toBe(401);
      expect(stolen.headers.get('www-authenticate'), app.framework).toMatch(/error="invalid_dpop_proof"/);
      expect((await fetch(url, { headers: { authorization: `Bearer ${token}` } })).status, app.framework).toBe(401);
    }
  });
});
