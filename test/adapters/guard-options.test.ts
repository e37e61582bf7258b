// The guard options of app-wide authentication (Express/Koa requireAuth, Fastify the plugin): `optional` with a
// scope check after it, `allowQuery` for ?access_token=, and `realm` in every challenge. Every adapter, every major.
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { useIssuer } from '../support/issuer.js';
import { countingVerifier } from '../support/verifier.js';
import type { AdapterHandle, RouteSpec } from './driver.js';
import { DRIVERS } from './drivers/index.js';
import { describeTargets, useApps } from './harness.js';

const issuer = useIssuer();
const start = useApps();

/** `/feed` with no guard of its own, `/orders` requiring `orders:read` (Express/Koa requireScope, Fastify config.scopes). */
const ROUTES: readonly RouteSpec[] = [
  { path: '/feed', kind: 'echo' },
  { path: '/orders', kind: 'scopes', scopes: ['orders:read'] },
];
const seen = (scopes: string[]) => ({ auth: { subject: 'client-123', audience: [issuer.current.audience], scopes } });
const lacking = (realm: string, scope: string) =>
  `Bearer realm="${realm}", error="insufficient_scope", error_description="token lacks a required scope", scope="${scope}"`;

describeTargets(DRIVERS, (_driver, target) => {
  let handle: AdapterHandle;
  beforeAll(async () => {
    handle = await target.load();
  });

  it('optional auth passes without a token; the scope check after it answers 401 without verifying again', async () => {
    const { verifier, counter } = countingVerifier(handle.module.createVerifier(issuer.options()));
    const { url } = await start(handle, { auth: { options: verifier, guard: { optional: true } }, routes: ROUTES });
    const anonymous = await request(url).get('/feed');
    expect(anonymous.status).toBe(200);
    expect(anonymous.body).toEqual({ auth: null });
    expect(counter.authentications).toBe(1);

    const orders = await request(url).get('/orders');
    expect(orders.status).toBe(401);
    expect(orders.headers['www-authenticate']).toBe('Bearer realm="api"');
    expect(orders.body).toEqual({ error_description: 'bearer token required' });
    expect(counter.authentications).toBe(2);

    const withToken = await request(url).get('/orders').set('Authorization', await issuer.bearer({ scope: 'orders:read' }));
    expect(withToken.status).toBe(200);
    expect(withToken.body).toEqual(seen(['orders:read']));
    expect(counter.authentications).toBe(3);
  });

  it('optional auth from options still verifies a token that is sent: sets a valid one, refuses a bad one', async () => {
    const { url } = await start(handle, { auth: { options: { ...issuer.options(), optional: true } }, routes: ROUTES });
    expect((await request(url).get('/feed')).status).toBe(200);
    expect((await request(url).get('/orders')).status).toBe(401);
    const known = await request(url).get('/feed').set('Authorization', await issuer.bearer({ scope: 'profile' }));
    expect(known.status).toBe(200);
    expect(known.body).toEqual(seen(['profile']));
    // The token does not carry over to the next request.
    expect((await request(url).get('/feed')).body).toEqual({ auth: null });
    const expired = await request(url).get('/feed').set('Authorization', await issuer.bearer({}, { expiresIn: -120 }));
    expect(expired.status).toBe(401);
    expect(expired.headers['www-authenticate']).toBe('Bearer realm="api", error="invalid_token", error_description="token expired"');
    const withoutScope = await request(url).get('/orders').set('Authorization', await issuer.bearer({ scope: 'profile' }));
    expect(withoutScope.status).toBe(403);
    expect(withoutScope.headers['www-authenticate']).toBe(lacking('api', 'orders:read'));
  });

  it('accepts ?access_token= with allowQuery: true, and refuses it by default', async () => {
    const token = await issuer.sign({ scope: 'orders:read' });
    const allowing = await start(handle, { auth: { options: { ...issuer.options(), allowQuery: true } }, routes: ROUTES });
    for (const path of ['/feed', '/orders']) {
      const ok = await request(allowing.url).get(path).query({ access_token: token });
      expect(ok.status).toBe(200);
      expect(ok.body).toEqual(seen(['orders:read']));
    }
    const twice = await request(allowing.url).get('/orders').query({ access_token: token }).set('Authorization', `Bearer ${token}`);
    expect(twice.status).toBe(400);
    expect(twice.headers['www-authenticate']).toBe('Bearer realm="api", error="invalid_request", error_description="token sent by more than one method"');

    const refusing = await start(handle, { auth: { options: issuer.options() }, routes: ROUTES });
    const refused = await request(refusing.url).get('/feed').query({ access_token: token });
    expect(refused.status).toBe(400);
    expect(refused.headers['www-authenticate']).toBe(
      'Bearer realm="api", error="invalid_request", error_description="access_token in the query is not accepted; use the Authorization header"',
    );
  });

  it('puts the realm option in every challenge, quoted', async () => {
    const { url } = await start(handle, { auth: { options: { ...issuer.options(), realm: 'orders "v2"' } }, routes: ROUTES });
    const missing = await request(url).get('/orders');
    expect(missing.status).toBe(401);
    expect(missing.headers['www-authenticate']).toBe('Bearer realm="orders \\"v2\\""');
    const expired = await request(url).get('/orders').set('Authorization', await issuer.bearer({}, { expiresIn: -120 }));
    expect(expired.headers['www-authenticate']).toBe('Bearer realm="orders \\"v2\\"", error="invalid_token", error_description="token expired"');
    const withoutScope = await request(url).get('/orders').set('Authorization', await issuer.bearer({ scope: 'profile' }));
    expect(withoutScope.status).toBe(403);
    expect(withoutScope.headers['www-authenticate']).toBe(lacking('orders \\"v2\\"', 'orders:read'));
  });
});
