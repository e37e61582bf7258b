// Which configuration a standalone requireScope uses: the decision of the requireAuth that ran before it on the same
// request, else configure(); a requireAuth elsewhere (another route, another app) lends it nothing, and requireAuth's
// transport options (allowQuery, optional) stay with that middleware while configure()'s reach requireScope.
// The adapters with requireAuth (Express, Koa), every framework major; each test starts from a fresh adapter module.
import type { AdapterOptions, Verifier } from '@tollgate/core';
import request from 'supertest';
import { beforeEach, describe, expect, it } from 'vitest';
import { useIssuer } from '../support/issuer.js';
import type { AdapterHandle, RouteSpec } from './driver.js';
import { MIDDLEWARE_DRIVERS } from './drivers/index.js';
import { describeTargets, useApps } from './harness.js';

const AUDIENCE_B = 'https://b.example.test';
const QUERY_REFUSED =
  'Bearer realm="api", error="invalid_request", error_description="access_token in the query is not accepted; use the Authorization header"';
const AUDIENCE_MISMATCH = 'Bearer realm="api", error="invalid_token", error_description="audience mismatch"';

const issuer = useIssuer();
const start = useApps();
const optionsForB = () => ({ ...issuer.options(), audience: AUDIENCE_B });
const seen = (audience: string, scopes: string[]) => ({ auth: { subject: 'client-123', audience: [audience], scopes } });

describeTargets(MIDDLEWARE_DRIVERS, (_driver, target) => {
  let handle: AdapterHandle;
  beforeEach(async () => {
    handle = await target.load();
  });

  /** `/b` behind `requireAuth(auth)` (when given), `/orders` behind a standalone requireScope('orders:read'). */
  async function startWith(auth?: AdapterOptions | Verifier): Promise<string> {
    const routes: RouteSpec[] = [{ path: '/orders', kind: 'standalone', scopes: ['orders:read'] }];
    if (auth) routes.unshift({ path: '/b', kind: 'requireAuth', options: auth });
    return (await start(handle, { routes })).url;
  }

  it('configure(A) then requireAuth(B): the standalone requireScope uses A, the requireAuth route B', async () => {
    handle.module.configure(issuer.options());
    const url = await startWith(optionsForB());

    const forA = await request(url).get('/orders').set('Authorization', await issuer.bearer({ scope: 'orders:read' }));
    expect(forA.status).toBe(200);
    expect(forA.body).toEqual(seen(issuer.current.audience, ['orders:read']));

    const forB = await request(url).get('/orders').set('Authorization', await issuer.bearer({ aud: AUDIENCE_B, scope: 'orders:read' }));
    expect(forB.status).toBe(401);
    expect(forB.headers['www-authenticate']).toBe(AUDIENCE_MISMATCH);
    expect(forB.body).toEqual({ error: 'invalid_token', error_description: 'audience mismatch' });

    // requireAuth itself still uses its own verifier.
    const onB = await request(url).get('/b').set('Authorization', await issuer.bearer({ aud: AUDIENCE_B, scope: 'orders:read' }));
    expect(onB.status).toBe(200);
    expect(onB.body).toEqual(seen(AUDIENCE_B, ['orders:read']));
    const aOnB = await request(url).get('/b').set('Authorization', await issuer.bearer({ scope: 'orders:read' }));
    expect(aOnB.status).toBe(401);
    expect(aOnB.headers['www-authenticate']).toBe(AUDIENCE_MISMATCH);
  });

  it('requireAuth(B) on another route lends nothing: a standalone requireScope that no requireAuth ran before fails closed', async () => {
    const url = await startWith(optionsForB());
    for (const token of [await issuer.bearer({ aud: AUDIENCE_B, scope: 'orders:read' }), await issuer.bearer({ scope: 'orders:read' })]) {
      const res = await request(url).get('/orders').set('Authorization', token);
      expect(res.status).toBe(500);
      expect(res.headers['www-authenticate']).toBeUndefined();
    }
    // The requireAuth route itself works.
    await request(url).get('/b').set('Authorization', await issuer.bearer({ aud: AUDIENCE_B, scope: 'orders:read' })).expect(200);
  });

  it('two apps in one process, each with its own requireAuth: a requireScope after it goes by its own app\'s decision', async () => {
    const appA = (await start(handle, { auth: { options: issuer.options() }, routes: [{ path: '/orders', kind: 'scopes', scopes: ['orders:read'] }] })).url;
    const appB = (await start(handle, { auth: { options: optionsForB() }, routes: [{ path: '/orders', kind: 'scopes', scopes: ['orders:read'] }] })).url;
    const forA = await issuer.bearer({ scope: 'orders:read' });
    const forB = await issuer.bearer({ aud: AUDIENCE_B, scope: 'orders:read' });
    expect((await request(appA).get('/orders').set('Authorization', forA)).body).toEqual(seen(issuer.current.audience, ['orders:read']));
    expect((await request(appB).get('/orders').set('Authorization', forB)).body).toEqual(seen(AUDIENCE_B, ['orders:read']));
    const bOnA = await request(appA).get('/orders').set('Authorization', forB);
    expect(bOnA.status).toBe(401);
    expect(bOnA.headers['www-authenticate']).toBe(AUDIENCE_MISMATCH);
    const aOnB = await request(appB).get('/orders').set('Authorization', forA);
    expect(aOnB.status).toBe(401);
    expect(aOnB.headers['www-authenticate']).toBe(AUDIENCE_MISMATCH);
  });

  it('requireAuth({ allowQuery: true }) on one route does not make a standalone requireScope accept ?access_token=', async () => {
    handle.module.configure(issuer.options());
    const url = await startWith({ ...issuer.options(), allowQuery: true });
    const token = await issuer.sign({ scope: 'orders:read' });

    const onAuthRoute = await request(url).get('/b').query({ access_token: token });
    expect(onAuthRoute.status).toBe(200);
    expect(onAuthRoute.body).toEqual(seen(issuer.current.audience, ['orders:read']));

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
    handle.module.configure(issuer.options());
    const url = await startWith({ ...issuer.options(), optional: true });
    const open = await request(url).get('/b');
    expect(open.status).toBe(200);
    expect(open.body).toEqual({ auth: null });
    const standalone = await request(url).get('/orders');
    expect(standalone.status).toBe(401);
    expect(standalone.headers['www-authenticate']).toBe('Bearer realm="api"');
  });

  it('configure({ allowQuery: true }) does make a standalone requireScope accept ?access_token=', async () => {
    handle.module.configure({ ...issuer.options(), allowQuery: true });
    const url = await startWith();
    const ok = await request(url).get('/orders').query({ access_token: await issuer.sign({ scope: 'orders:read' }) });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual(seen(issuer.current.audience, ['orders:read']));
    const lacking = await request(url).get('/orders').query({ access_token: await issuer.sign({ scope: 'profile' }) });
    expect(lacking.status).toBe(403);
    expect(lacking.headers['www-authenticate']).toBe(
      'Bearer realm="api", error="insufficient_scope", error_description="token lacks a required scope", scope="orders:read"',
    );
  });

  it('configure({ allowQuery: true }) survives a later requireAuth without it', async () => {
    handle.module.configure({ ...issuer.options(), allowQuery: true });
    const url = await startWith(issuer.options());
    const token = await issuer.sign({ scope: 'orders:read' });
    expect((await request(url).get('/orders').query({ access_token: token })).status).toBe(200);
    const onAuthRoute = await request(url).get('/b').query({ access_token: token });
    expect(onAuthRoute.status).toBe(400);
    expect(onAuthRoute.headers['www-authenticate']).toBe(QUERY_REFUSED);
  });
});
