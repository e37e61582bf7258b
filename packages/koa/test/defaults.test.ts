// Which defaults a standalone requireScope uses: configure() wins over a later requireAuth(), and requireAuth's
// transport options (allowQuery) stay with that middleware while configure()'s reach requireScope. Koa 2 and 3.
import Router from '@koa/router';
import { createTestIssuer, type TestIssuer } from '@tollgate/testing';
import Koa3 from 'koa';
import type { Middleware } from 'koa';
import Koa2 from 'koa2';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { optionsFor, serve, type Served } from './support.js';

type Adapter = typeof import('../src/index.js');

const AUDIENCE_B = 'https://b.example.test';

let issuer: TestIssuer;
const servers: Served[] = [];

beforeAll(async () => {
  issuer = await createTestIssuer();
});
afterAll(async () => {
  await issuer.close();
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((served) => served.close()));
});

/** A fresh copy of the adapter, so no other test's configure()/requireAuth() is its default. */
async function freshAdapter(): Promise<Adapter> {
  vi.resetModules();
  return import('../src/index.js');
}

const frameworks: [string, () => Koa3][] = [
  ['Koa 3', () => new Koa3()],
  ['Koa 2', () => new (Koa2 as unknown as typeof Koa3)()],
];

const optionsForB = () => ({ ...optionsFor(issuer), audience: AUDIENCE_B });
const bearer = async (claims: Record<string, unknown>) => `Bearer ${await issuer.sign(claims)}`;
const QUERY_REFUSED =
  'Bearer realm="api", error="invalid_request", error_description="access_token in the query is not accepted; use the Authorization header"';

const echo: Middleware = (ctx) => {
  ctx.body = { audience: ctx.state.auth?.audience ?? null, scopes: ctx.state.auth?.scopes ?? null };
};

describe.each(frameworks)('%s', (_name, createApp) => {
  /** `/b` behind `requireAuth` (when given), `/orders` behind a standalone requireScope('orders:read'). */
  async function start(adapter: Adapter, auth?: Middleware): Promise<string> {
    const app = createApp();
    app.use(adapter.tollgateErrorHandler());
    const router = new Router();
    if (auth) router.get('/b', auth, echo);
    router.get('/orders', adapter.requireScope('orders:read'), echo);
    app.use(router.routes());
    const served = await serve(app.callback());
    servers.push(served);
    return served.url;
  }

  it('configure(A) then requireAuth(B): the standalone requireScope uses A, the requireAuth route B', async () => {
    const adapter = await freshAdapter();
    adapter.configure(optionsFor(issuer));
    const url = await start(adapter, adapter.requireAuth(optionsForB()));

    const forA = await request(url).get('/orders').set('Authorization', await bearer({ scope: 'orders:read' }));
    expect(forA.status).toBe(200);
    expect(forA.body).toEqual({ audience: [issuer.audience], scopes: ['orders:read'] });

    const forB = await request(url).get('/orders').set('Authorization', await bearer({ aud: AUDIENCE_B, scope: 'orders:read' }));
    expect(forB.status).toBe(401);
    expect(forB.headers['www-authenticate']).toBe('Bearer realm="api", error="invalid_token", error_description="audience mismatch"');
    expect(forB.body).toEqual({ error: 'invalid_token', error_description: 'audience mismatch' });

    // requireAuth itself still uses its own verifier.
    const onB = await request(url).get('/b').set('Authorization', await bearer({ aud: AUDIENCE_B, scope: 'orders:read' }));
    expect(onB.status).toBe(200);
    expect(onB.body).toEqual({ audience: [AUDIENCE_B], scopes: ['orders:read'] });
    const aOnB = await request(url).get('/b').set('Authorization', await bearer({ scope: 'orders:read' }));
    expect(aOnB.status).toBe(401);
    expect(aOnB.headers['www-authenticate']).toBe('Bearer realm="api", error="invalid_token", error_description="audience mismatch"');
  });

  it('requireAuth(B) alone: the standalone requireScope borrows B', async () => {
    const adapter = await freshAdapter();
    const url = await start(adapter, adapter.requireAuth(optionsForB()));
    const forB = await request(url).get('/orders').set('Authorization', await bearer({ aud: AUDIENCE_B, scope: 'orders:read' }));
    expect(forB.status).toBe(200);
    expect(forB.body).toEqual({ audience: [AUDIENCE_B], scopes: ['orders:read'] });
    const forA = await request(url).get('/orders').set('Authorization', await bearer({ scope: 'orders:read' }));
    expect(forA.status).toBe(401);
  });

  it('requireAuth({ allowQuery: true }) on one route does not make a standalone requireScope accept ?access_token=', async () => {
    const adapter = await freshAdapter();
    const url = await start(adapter, adapter.requireAuth({ ...optionsFor(issuer), allowQuery: true }));
    const token = await issuer.sign({ scope: 'orders:read' });

    const onAuthRoute = await request(url).get('/b').query({ access_token: token });
    expect(onAuthRoute.status).toBe(200);
    expect(onAuthRoute.body).toEqual({ audience: [issuer.audience], scopes: ['orders:read'] });

    const standalone = await request(url).get('/orders').query({ access_token: token });
    expect(standalone.status).toBe(400);
    expect(standalone.headers['www-authenticate']).toBe(QUERY_REFUSED);
    expect(standalone.body).toEqual({
      error: 'invalid_request',
      error_description: 'access_token in the query is not accepted; use the Authorization header',
    });
    // The header still works there: only the transport option stayed behind.
    const header = await request(url).get('/orders').set('Authorization', `Bearer ${token}`);
    expect(header.status).toBe(200);
  });

  it('requireAuth({ optional: true }) on one route does not make a standalone requireScope optional', async () => {
    const adapter = await freshAdapter();
    const url = await start(adapter, adapter.requireAuth({ ...optionsFor(issuer), optional: true }));
    const open = await request(url).get('/b');
    expect(open.status).toBe(200);
    expect(open.body).toEqual({ audience: null, scopes: null });
    const standalone = await request(url).get('/orders');
    expect(standalone.status).toBe(401);
    expect(standalone.headers['www-authenticate']).toBe('Bearer realm="api"');
  });

  it('configure({ allowQuery: true }) does make a standalone requireScope accept ?access_token=', async () => {
    const adapter = await freshAdapter();
    adapter.configure({ ...optionsFor(issuer), allowQuery: true });
    const url = await start(adapter);
    const ok = await request(url).get('/orders').query({ access_token: await issuer.sign({ scope: 'orders:read' }) });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ audience: [issuer.audience], scopes: ['orders:read'] });
    const lacking = await request(url).get('/orders').query({ access_token: await issuer.sign({ scope: 'profile' }) });
    expect(lacking.status).toBe(403);
    expect(lacking.headers['www-authenticate']).toBe(
      'Bearer realm="api", error="insufficient_scope", error_description="token lacks a required scope", scope="orders:read"',
    );
  });

  it('configure({ allowQuery: true }) survives a later requireAuth without it', async () => {
    const adapter = await freshAdapter();
    adapter.configure({ ...optionsFor(issuer), allowQuery: true });
    const url = await start(adapter, adapter.requireAuth(optionsFor(issuer)));
    const token = await issuer.sign({ scope: 'orders:read' });
    expect((await request(url).get('/orders').query({ access_token: token })).status).toBe(200);
    const onAuthRoute = await request(url).get('/b').query({ access_token: token });
    expect(onAuthRoute.status).toBe(400);
    expect(onAuthRoute.headers['www-authenticate']).toBe(QUERY_REFUSED);
  });
});
