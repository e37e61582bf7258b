// Where a requireAuth's decision holds in Express: inside the router it was made in. A request that falls through a
// router (no route there matched) reaches the app's other routes without that router's authentication; and a
// preflight requireAuth let through is let through by the scope guards after it. Express 4 and 5.
import type { RequestHandler } from 'express';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { byName, EXPRESS_VERSIONS } from '../../../test/support/frameworks.js';
import { useIssuer } from '../../../test/support/issuer.js';
import { serve, type Served } from '../../../test/support/server.js';
import { configure, requireAuth, requireScope, tollgateErrorHandler } from '../src/index.js';

const issuer = useIssuer();
const AUDIENCE_A = 'https://a.example.test';
const AUDIENCE_B = 'https://b.example.test';
const open: Served[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((served) => served.close()));
});

describe.each(byName(EXPRESS_VERSIONS))('%s', (_name, version) => {
  const start = async (app: Parameters<typeof serve>[0]) => {
    const served = await serve(app);
    open.push(served);
    return served.url;
  };

  // API B's default is configure(); API A is a partner router at /partner with its own requireAuth.
  const withPartnerRouter = () => {
    configure({ ...issuer.options(), audience: AUDIENCE_B });
    const app = version.module();
    const partner = version.module.Router();
    partner.use(requireAuth({ ...issuer.options(), audience: AUDIENCE_A }));
    partner.get('/catalog', (_req, res) => {
      res.json({ api: 'A' });
    });
    app.use('/partner', partner);
    return app;
  };
  const answerB: RequestHandler = (req, res) => {
    res.json({ api: 'B', audience: req.auth?.audience });
  };
  const tokens = async () => ({
    forA: await issuer.bearer({ aud: AUDIENCE_A, scope: 'orders:read' }),
    forB: await issuer.bearer({ aud: AUDIENCE_B, scope: 'orders:read' }),
  });
  const AUDIENCE_MISMATCH = 'Bearer realm="api", error="invalid_token", error_description="audience mismatch"';

  it("a partner router's requireAuth does not lend its decision to the app's routes a request falls through to", async () => {
    const app = withPartnerRouter();
    app.get('/:tenant/orders', requireScope('orders:read'), answerB);
    app.use(tollgateErrorHandler());
    const url = await start(app);
    const { forA, forB } = await tokens();
    expect((await request(url).get('/partner/catalog').set('Authorization', forA)).status).toBe(200);
    const fellThrough = await request(url).get('/partner/orders').set('Authorization', forA);
    expect(fellThrough.status).toBe(401);
    expect(fellThrough.headers['www-authenticate']).toBe(AUDIENCE_MISMATCH);
    expect((await request(url).get('/acme/orders').set('Authorization', forB)).body).toEqual({ api: 'B', audience: [AUDIENCE_B] });
  });

  it("a partner router's decision reaches no router the request falls through to, whatever its mount path ('/:tenant', '/partner/admin')", async () => {
    const app = withPartnerRouter();
    // Both have a baseUrl that looks like the partner router's from the inside: '/partner', '/partner/admin'.
    const tenant = version.module.Router();
    tenant.get('/orders', requireScope('orders:read'), answerB);
    app.use('/:tenant', tenant);
    const admin = version.module.Router();
    admin.get('/users', requireScope('orders:read'), answerB);
    app.use('/partner/admin', admin);
    app.use(tollgateErrorHandler());
    const url = await start(app);
    const { forA, forB } = await tokens();
    for (const path of ['/partner/orders', '/partner/admin/users']) {
      const res = await request(url).get(path).set('Authorization', forA);
      expect(res.status, path).toBe(401);
      expect(res.headers['www-authenticate']).toBe(AUDIENCE_MISMATCH);
    }
    expect((await request(url).get('/acme/orders').set('Authorization', forB)).body).toEqual({ api: 'B', audience: [AUDIENCE_B] });
  });

  it('a decision made at the app level holds in the routers below it', async () => {
    const app = version.module();
    const orders = version.module.Router();
    orders.get('/list', requireScope('orders:read'), (req, res) => {
      res.json({ audience: req.auth?.audience });
    });
    // One API: the configured verifier is the one requireAuth uses (a standalone requireScope answers to it).
    app.use(requireAuth(configure({ ...issuer.options(), audience: AUDIENCE_A })));
    app.use('/orders', orders);
    app.use(tollgateErrorHandler());
    const url = await start(app);
    const res = await request(url).get('/orders/list').set('Authorization', await issuer.bearer({ aud: AUDIENCE_A, scope: 'orders:read' }));
    expect(res.body).toEqual({ audience: [AUDIENCE_A] });
  });

  it('a preflight that requireAuth({ allowPreflight }) let through passes the scope guard after it (no 500)', async () => {
    const app = version.module();
    app.use(requireAuth(configure(issuer.options()), { allowPreflight: true }));
    app.all('/orders', requireScope('orders:write'), (req, res) => {
      res.status(req.method === 'OPTIONS' ? 204 : 200).json(req.method === 'OPTIONS' ? undefined : { ok: true });
    });
    app.use(tollgateErrorHandler());
    const url = await start(app);
    const preflight = await request(url).options('/orders').set('Origin', 'https://app.example.test').set('Access-Control-Request-Method', 'POST');
    expect(preflight.status).toBe(204);
    // Anything but a true preflight is checked as before.
    expect((await request(url).options('/orders')).status).toBe(401);
    expect((await request(url).post('/orders').set('Authorization', await issuer.bearer({ scope: 'orders:read' }))).status).toBe(403);
    expect((await request(url).post('/orders').set('Authorization', await issuer.bearer({ scope: 'orders:write' }))).status).toBe(200);
  });

  it('a stricter requireAuth with the same verifier checks a query token again', async () => {
    const verifier = configure(issuer.options());
    const app = version.module();
    app.use(requireAuth(verifier, { allowQuery: true }));
    app.get('/strict', requireAuth(verifier), (_req, res) => {
      res.json({ ok: true });
    });
    app.get('/lenient', (_req, res) => {
      res.json({ ok: true });
    });
    app.use(tollgateErrorHandler());
    const url = await start(app);
    const token = await issuer.sign({ scope: 'orders:read' });
    expect((await request(url).get('/lenient').query({ access_token: token })).status).toBe(200);
    const strict = await request(url).get('/strict').query({ access_token: token });
    expect(strict.status).toBe(400);
    expect(strict.body.error_description).toBe('access_token in the query is not accepted; use the Authorization header');
    expect((await request(url).get('/strict').set('Authorization', `Bearer ${token}`)).status).toBe(200);
  });
});
