// A decision made inside a mounted sub-app (koa-mount) stays with the verifier that made it: a request that falls
// through the sub-app to the parent's routes meets the parent's standalone requireScope, which answers to the
// verifier of configure() and checks the token again. Koa gives no scope for a decision, so the verifier decides.
import Router from '@koa/router';
import mount from 'koa-mount';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { byName, KOA_VERSIONS } from '../../../test/support/frameworks.js';
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

describe.each(byName(KOA_VERSIONS))('%s', (_name, version) => {
  it("a mounted partner app's requireAuth does not lend its decision to the parent's routes a request falls through to", async () => {
    configure({ ...issuer.options(), audience: AUDIENCE_B });
    const app = new version.module();
    app.use(tollgateErrorHandler());
    const partner = new version.module();
    partner.use(requireAuth({ ...issuer.options(), audience: AUDIENCE_A }));
    const catalog = new Router();
    catalog.get('/catalog', (ctx) => {
      ctx.body = { api: 'A' };
    });
    partner.use(catalog.routes());
    // koa-mount's types name Koa 3's Application; Koa 2's is the same shape.
    app.use(mount('/partner', partner as Parameters<typeof mount>[1]));
    const tenant = new Router();
    tenant.get('/:tenant/orders', requireScope('orders:read'), (ctx) => {
      ctx.body = { api: 'B', audience: ctx.state.auth?.audience };
    });
    app.use(tenant.routes());
    const served = await serve(app.callback());
    open.push(served);
    const forA = await issuer.bearer({ aud: AUDIENCE_A, scope: 'orders:read' });
    const forB = await issuer.bearer({ aud: AUDIENCE_B, scope: 'orders:read' });
    expect((await request(served.url).get('/partner/catalog').set('Authorization', forA)).status).toBe(200);
    const fellThrough = await request(served.url).get('/partner/orders').set('Authorization', forA);
    expect(fellThrough.status).toBe(401);
    expect(fellThrough.headers['www-authenticate']).toBe('Bearer realm="api", error="invalid_token", error_description="audience mismatch"');
    expect((await request(served.url).get('/acme/orders').set('Authorization', forB)).body).toEqual({ api: 'B', audience: [AUDIENCE_B] });
  });
});
