// examples/hono-app.ts (the orders API) really protects its routes, served by @hono/node-server on 127.0.0.1:
// the checks test/examples/apps.test.ts makes of the other frameworks' examples.
import { getRequestListener } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHonoApp } from '../../../examples/hono-app.js';
import { call } from '../../../examples/lib/http.js';
import { useIssuer } from '../../../test/support/issuer.js';
import { serve, type Served } from '../../../test/support/server.js';

const issuer = useIssuer();

describe('examples: hono', () => {
  let api: Served;
  beforeAll(async () => {
    api = await serve(getRequestListener(createHonoApp(issuer.options()).fetch));
  });
  afterAll(async () => {
    await api?.close();
  });

  it("GET /orders: 200 with orders:read, and the client is the token's", async () => {
    const answer = await call('GET', `${api.url}/orders`, await issuer.sign({ scope: 'orders:read', client_id: 'reporting' }));
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ orders: [{ id: 1, item: 'miso soup' }], client: 'reporting' });
  });

  it('POST /orders: 201 with orders:write, 403 insufficient_scope naming it without', async () => {
    const created = await call('POST', `${api.url}/orders`, await issuer.sign({ scope: 'orders:write', client_id: 'shop' }));
    expect(created).toMatchObject({ status: 201, body: { id: 2, createdBy: 'shop' } });
    const refused = await call('POST', `${api.url}/orders`, await issuer.sign({ scope: 'orders:read' }));
    expect(refused).toMatchObject({ status: 403, error: 'insufficient_scope' });
    expect(refused.wwwAuthenticate).toContain('scope="orders:write"');
  });

  it('refuses a missing, expired or foreign token with the RFC 6750 answer', async () => {
    const missing = await call('GET', `${api.url}/orders`);
    expect(missing.status).toBe(401);
    expect(missing.wwwAuthenticate).toBe('Bearer realm="api"');
    const expired = await call('GET', `${api.url}/orders`, await issuer.sign({ scope: 'orders:read' }, { expiresIn: -60 }));
    expect(expired).toMatchObject({ status: 401, error: 'invalid_token' });
    const foreign = await call('GET', `${api.url}/orders`, await issuer.sign({ scope: 'orders:read', aud: 'https://other.example' }));
    expect(foreign).toMatchObject({ status: 401, error: 'invalid_token' });
  });
});
