// A preflight that requireAuth({ allowPreflight: true }) let through passes the scope guards after it too, and
// only a true preflight does. Koa 2 and 3 with @koa/router.
import Router from '@koa/router';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { byName, KOA_VERSIONS } from '../../../test/support/frameworks.js';
import { useIssuer } from '../../../test/support/issuer.js';
import { serve, type Served } from '../../../test/support/server.js';
import { requireAuth, requireScope, tollgateErrorHandler } from '../src/index.js';

const issuer = useIssuer();
const open: Served[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((served) => served.close()));
});

describe.each(byName(KOA_VERSIONS))('%s', (_name, version) => {
  it('passes a true preflight through requireAuth and requireScope (no 500), and checks everything else', async () => {
    const app = new version.module();
    const router = new Router();
    router.all('/orders', requireScope('orders:write'), (ctx) => {
      if (ctx.method === 'OPTIONS') ctx.status = 204;
      else ctx.body = { ok: true };
    });
    app.use(tollgateErrorHandler());
    app.use(requireAuth(issuer.options(), { allowPreflight: true }));
    app.use(router.routes());
    const served = await serve(app.callback());
    open.push(served);
    const preflight = await request(served.url).options('/orders').set('Origin', 'https://app.example.test').set('Access-Control-Request-Method', 'POST');
    expect(preflight.status).toBe(204);
    expect((await request(served.url).options('/orders')).status).toBe(401);
    expect((await request(served.url).post('/orders').set('Authorization', await issuer.bearer({ scope: 'orders:read' }))).status).toBe(403);
    expect((await request(served.url).post('/orders').set('Authorization', await issuer.bearer({ scope: 'orders:write' }))).status).toBe(200);
  });
});
