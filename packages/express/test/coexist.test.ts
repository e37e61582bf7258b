// @tollgate/express/coexist: the same middleware as the main entry, and getAuth(req), which returns only a
// token a tollgate guard verified, whatever other middleware wrote to req.auth. Express 4 and 5.
import request from 'supertest';
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import { byName, EXPRESS_VERSIONS } from '../../../test/support/frameworks.js';
import { useIssuer } from '../../../test/support/issuer.js';
import { serve, type Served } from '../../../test/support/server.js';
import * as coexist from '../src/coexist.js';
import * as main from '../src/index.js';
import type { AccessToken } from '../src/index.js';

const issuer = useIssuer();
const open: Served[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((served) => served.close()));
});

it('exports the same functions as the main entry, plus getAuth', () => {
  expect(coexist.requireAuth).toBe(main.requireAuth);
  expect(coexist.configure).toBe(main.configure);
  expect(coexist.TollgateError).toBe(main.TollgateError);
  expect(main.getAuth).toBe(coexist.getAuth);
  expectTypeOf(coexist.getAuth).returns.toEqualTypeOf<AccessToken | undefined>();
});

describe.each(byName(EXPRESS_VERSIONS))('%s', (_name, version) => {
  const start = async (app: Parameters<typeof serve>[0]) => {
    const served = await serve(app);
    open.push(served);
    return served.url;
  };

  it("getAuth returns the token tollgate verified, not what other middleware put on req.auth", async () => {
    const app = version.module();
    // Another library's result under the same property name, as during a migration.
    app.use((req, _res, next) => {
      (req as { auth?: unknown }).auth = { payload: { sub: 'from-another-library' } };
      next();
    });
    app.get('/open', (req, res) => {
      res.json({ seen: coexist.getAuth(req) ?? null });
    });
    app.get('/orders', coexist.requireAuth(issuer.options()), coexist.requireScope('orders:read'), (req, res) => {
      res.json({ client: coexist.getAuth(req)?.clientId });
    });
    app.use(coexist.tollgateErrorHandler());
    const url = await start(app);
    expect((await request(url).get('/open')).body).toEqual({ seen: null });
    const granted = await request(url).get('/orders').set('Authorization', await issuer.bearer({ scope: 'orders:read', client_id: 'migrating-app' }));
    expect(granted.body).toEqual({ client: 'migrating-app' });
  });

  it('getAuth is undefined when an optional guard found no token', async () => {
    const app = version.module();
    app.get('/maybe', coexist.requireAuth(issuer.options(), { optional: true }), (req, res) => {
      res.json({ seen: coexist.getAuth(req) ?? null });
    });
    const url = await start(app);
    expect((await request(url).get('/maybe')).body).toEqual({ seen: null });
  });

  it("getAuth reports a router's decision inside that router only, not on routes the request falls through to", async () => {
    const app = version.module();
    const api = version.module.Router();
    api.use(coexist.requireAuth(issuer.options()));
    api.get('/orders', (req, res) => {
      res.json({ client: coexist.getAuth(req)?.clientId ?? null });
    });
    app.use('/api', api);
    app.get('/api/profile', (req, res) => {
      res.json({ client: coexist.getAuth(req)?.clientId ?? null });
    });
    const url = await start(app);
    const token = await issuer.bearer({ client_id: 'inside' });
    expect((await request(url).get('/api/orders').set('Authorization', token)).body).toEqual({ client: 'inside' });
    expect((await request(url).get('/api/profile').set('Authorization', token)).body).toEqual({ client: null });
  });
});
