// @tollgate/client with dpop calling real Express, Koa and Fastify apps guarded by tollgate with dpop required
// (and with nonces): fetch succeeds, each nonce dance costs exactly one extra round trip, a replayed proof and a
// proof by another key are refused, and a token the API no longer accepts is renewed once.
import { createTokenClient, type TokenClientOptions } from '@tollgate/client';
import { createTestIssuer, type TestIssuer } from '@tollgate/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ORDERS_APPS, type OrdersApp } from '../interop/orders-apps.js';

const NONCE_SECRET = 'a-dpop-nonce-secret-of-32-chars-or-more';
const clients = [{ clientId: 'billing', clientSecret: 'billing-secret', scopes: ['orders:read', 'orders:write'] }];
let issuer: TestIssuer;
let nonceIssuer: TestIssuer;

beforeAll(async () => {
  issuer = await createTestIssuer({ algorithms: ['ES256'], clients });
  nonceIssuer = await createTestIssuer({ algorithms: ['ES256'], clients, dpopNonce: true });
});
afterAll(async () => {
  await issuer?.close();
  await nonceIssuer?.close();
});

/** A DPoP client of `target` that records every request it sends (URL and headers). */
function dpopClient(target: TestIssuer, extra: Partial<TokenClientOptions> = {}) {
  const sent: { url: string; headers: Headers }[] = [];
  const recording: typeof fetch = (input, init) => {
    sent.push({ url: input instanceof Request ? input.url : String(input), headers: new Headers(init?.headers) });
    return fetch(input, init);
  };
  const client = createTokenClient({
    tokenEndpoint: target.tokenEndpoint,
    clientId: 'billing',
    auth: { secret: 'billing-secret' },
    scopes: ['orders:read', 'orders:write'],
    allowInsecureRequests: true,
    retries: 0,
    dpop: true,
    fetch: recording,
    ...extra,
  });
  const apiRequests = (app: OrdersApp) => sent.filter((request) => request.url.startsWith(app.url));
  return { client, sent, apiRequests };
}

const challengeOf = (response: Response) => response.headers.get('www-authenticate') ?? '';

describe.each(ORDERS_APPS)('@tollgate/client with dpop through %s', (_name, start) => {
  let app: OrdersApp;
  let nonceApp: OrdersApp;

  beforeAll(async () => {
    app = await start({ issuer: issuer.issuer, audience: issuer.audience, allowInsecureRequests: true, dpop: { required: true } });
    nonceApp = await start({ issuer: nonceIssuer.issuer, audience: nonceIssuer.audience, allowInsecureRequests: true, dpop: { required: true, nonce: { secret: NONCE_SECRET } } });
  });
  afterAll(async () => {
    await app?.close();
    await nonceApp?.close();
  });

  it('client.fetch sends Authorization: DPoP and a proof; GET and POST pass', async () => {
    const { client, apiRequests } = dpopClient(issuer);
    const read = await client.fetch(`${app.url}/orders?page=2`);
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject({ clientId: 'billing', scopes: ['orders:read', 'orders:write'] });
    const write = await client.fetch(`${app.url}/orders`, { method: 'post', headers: { 'content-type': 'application/json' }, body: '{"sku":"A-1"}' });
    expect(write.status).toBe(201);
    const [get, post] = apiRequests(app);
    expect(get!.headers.get('authorization')).toMatch(/^DPoP /);
    expect(get!.headers.get('dpop')).not.toBe(post!.headers.get('dpop'));
    expect(apiRequests(app)).toHaveLength(2);
  });

  it('a Bearer client is refused by the API that requires DPoP', async () => {
    const bearer = dpopClient(issuer, { dpop: false }).client;
    const response = await bearer.fetch(`${app.url}/orders`);
    expect(response.status).toBe(401);
    expect(challengeOf(response)).toMatch(/DPoP/);
  });

  it('a replayed proof is refused', async () => {
    const { client, apiRequests } = dpopClient(issuer);
    expect((await client.fetch(`${app.url}/orders`)).status).toBe(200);
    const [first] = apiRequests(app);
    const replayed = await fetch(`${app.url}/orders`, { headers: { authorization: first!.headers.get('authorization')!, dpop: first!.headers.get('dpop')! } });
    expect(replayed.status).toBe(401);
    expect(challengeOf(replayed)).toMatch(/^DPoP .*error="invalid_dpop_proof"/);
  });

  it('a token bound to key A with a proof by key B is refused', async () => {
    const a = dpopClient(issuer).client;
    const b = dpopClient(issuer).client;
    const tokenOfA = await a.getToken();
    const url = `${app.url}/orders`;
    const response = await fetch(url, { headers: { authorization: `DPoP ${tokenOfA}`, dpop: b.dpopProof('GET', url, tokenOfA) } });
    expect(response.status).toBe(401);
    expect(challengeOf(response)).toMatch(/error="invalid_dpop_proof"/);
    // The same token with A's own proof passes.
    expect((await fetch(url, { headers: await a.authorizationHeaders('GET', url) })).status).toBe(200);
  });

  it('nonces at the token endpoint and at the API: exactly one extra round trip each, then none', async () => {
    const { client, apiRequests } = dpopClient(nonceIssuer);
    nonceIssuer.resetRequests();
    const first = await client.fetch(`${nonceApp.url}/orders`);
    expect(first.status).toBe(200);
    expect(nonceIssuer.requests.token).toBe(2);
    const [refused, retried] = apiRequests(nonceApp);
    expect(apiRequests(nonceApp)).toHaveLength(2);
    // The retry carried the same token and a new proof.
    expect(retried!.headers.get('authorization')).toBe(refused!.headers.get('authorization'));
    expect(retried!.headers.get('dpop')).not.toBe(refused!.headers.get('dpop'));
    // The nonce is remembered for the API's origin: the next request goes through at once.
    expect((await client.fetch(`${nonceApp.url}/orders`, { method: 'POST', body: '{}' })).status).toBe(201);
    expect(apiRequests(nonceApp)).toHaveLength(3);
    expect(nonceIssuer.requests.token).toBe(2);
  });

  it('a request whose body is a stream is not retried after use_dpop_nonce: the 401 is returned', async () => {
    const { client, apiRequests } = dpopClient(nonceIssuer);
    const body = new ReadableStream({ start: (controller) => (controller.enqueue(new TextEncoder().encode('{}')), controller.close()) });
    const response = await client.fetch(`${nonceApp.url}/orders`, { method: 'POST', body, duplex: 'half' } as RequestInit);
    expect(response.status).toBe(401);
    expect(challengeOf(response)).toMatch(/error="use_dpop_nonce"/);
    expect(response.headers.get('dpop-nonce')).toBeTruthy();
    expect(apiRequests(nonceApp)).toHaveLength(1);
  });

  it('a token the API refuses with DPoP error="invalid_token" is renewed once, and the request sent again', async () => {
    const { client, apiRequests } = dpopClient(issuer);
    // The first token the issuer hands out is bound to the client's key but made for another API.
    const wrongAudience = await issuer.sign({ cnf: { jkt: client.dpopKey!.jkt }, aud: 'https://another.api.test', scope: 'orders:read' });
    issuer.setFault({ kind: 'respond', body: { access_token: wrongAudience, token_type: 'DPoP', expires_in: 300 } }, 'token', 1);
    issuer.resetRequests();
    const response = await client.fetch(`${app.url}/orders`);
    expect(response.status).toBe(200);
    expect(issuer.requests.token).toBe(2);
    const [refused, renewed] = apiRequests(app);
    expect(apiRequests(app)).toHaveLength(2);
    expect(refused!.headers.get('authorization')).toBe(`DPoP ${wrongAudience}`);
    expect(renewed!.headers.get('authorization')).not.toBe(refused!.headers.get('authorization'));
  });
});

