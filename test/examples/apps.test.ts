// Each example app really protects its routes: real issuer, real tokens, real HTTP on 127.0.0.1.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../../examples/lib/http.js';
import { APIS, startApi, type ApiName, type RunningApi } from '../../examples/lib/start-api.js';
import { useIssuer } from '../support/issuer.js';

const issuer = useIssuer();

describe.each(Object.keys(APIS) as ApiName[])('examples: %s', (name) => {
  let api: RunningApi;
  beforeAll(async () => {
    api = await startApi(name, issuer.options());
  });
  afterAll(async () => {
    await api?.close();
  });
  // The plain apps require orders:write; the controllers accept orders:write or orders:admin.
  const writeScopes = name.endsWith('-controller') ? 'orders:write orders:admin' : 'orders:write';

  it('GET /orders: 200 with orders:read, and the client is the token\'s', async () => {
    const answer = await call('GET', `${api.url}/orders`, await issuer.sign({ scope: 'orders:read', client_id: 'reporting' }));
    expect(answer.status).toBe(200);
    expect(JSON.stringify(answer.body)).toMatch(/"item"/);
    if (!name.endsWith('-controller')) expect(answer.body).toMatchObject({ client: 'reporting' });
  });

  it('POST /orders: 201 with a write scope, 403 insufficient_scope naming it without', async () => {
    const created = await call('POST', `${api.url}/orders`, await issuer.sign({ scope: 'orders:write', client_id: 'shop' }));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ createdBy: 'shop' });
    const refused = await call('POST', `${api.url}/orders`, await issuer.sign({ scope: 'orders:read' }));
    expect(refused).toMatchObject({ status: 403, error: 'insufficient_scope' });
    expect(refused.wwwAuthenticate).toContain(`scope="${writeScopes}"`);
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
