// Koa specifics: optional auth followed by requireScope, ?access_token= with allowQuery, the realm, Koa 2 and 3.
import Router from '@koa/router';
import { createTestIssuer, type TestIssuer } from '@tollgate/testing';
import Koa3 from 'koa';
import type { Middleware } from 'koa';
import Koa2 from 'koa2';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createVerifier, requireAuth, requireScope, tollgateErrorHandler } from '../src/index.js';
import type { KoaAuthOptions, Verifier } from '../src/index.js';
import { optionsFor, serve, type Served } from './support.js';

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

const frameworks: [string, () => Koa3][] = [
  ['Koa 3', () => new Koa3()],
  ['Koa 2', () => new (Koa2 as unknown as typeof Koa3)()],
];

const echo: Middleware = (ctx) => {
  const { auth } = ctx.state;
  ctx.body = { auth: auth ? { subject: auth.subject, scopes: auth.scopes } : null };
};

/** A real verifier that counts how often a request is authenticated. */
function countingVerifier(options: KoaAuthOptions) {
  const real = createVerifier(options);
  const counter = { authentications: 0 };
  const verifier: Verifier = {
    options: real.options,
    verify: (token) => real.verify(token),
    authenticate: (req, authOptions) => {
      counter.authentications += 1;
      return real.authenticate(req, authOptions);
    },
  };
  return { verifier, counter };
}

describe.each(frameworks)('%s', (_name, createApp) => {
  async function start(mount: (app: Koa3, router: Router) => void): Promise<string> {
    const app = createApp();
    app.use(tollgateErrorHandler());
    const router = new Router();
    mount(app, router);
    app.use(router.routes());
    const served = await serve(app.callback());
    servers.push(served);
    return served.url;
  }

  it('optional auth passes without a token; requireScope after it answers 401 without verifying again', async () => {
    const { verifier, counter } = countingVerifier(optionsFor(issuer));
    const url = await start((app, router) => {
      app.use(requireAuth(verifier, { optional: true }));
      router.get('/feed', echo);
      router.get('/orders', requireScope('orders:read'), echo);
    });
    const anonymous = await request(url).get('/feed');
    expect(anonymous.status).toBe(200);
    expect(anonymous.body).toEqual({ auth: null });
    expect(counter.authentications).toBe(1);

    const orders = await request(url).get('/orders');
    expect(orders.status).toBe(401);
    expect(orders.headers['www-authenticate']).toBe('Bearer realm="api"');
    expect(orders.body).toEqual({ error_description: 'bearer token required' });
    expect(counter.authentications).toBe(2);

    const withToken = await request(url).get('/orders').set('Authorization', `Bearer ${await issuer.sign({ scope: 'orders:read' })}`);
    expect(withToken.status).toBe(200);
    expect(withToken.body).toEqual({ auth: { subject: 'client-123', scopes: ['orders:read'] } });
    expect(counter.authentications).toBe(3);
  });

  it('optional auth from options still refuses a bad token', async () => {
    const url = await start((app, router) => {
      app.use(requireAuth({ ...optionsFor(issuer), optional: true }));
      router.get('/feed', echo);
      router.get('/orders', requireScope('orders:read'), echo);
    });
    expect((await request(url).get('/feed')).status).toBe(200);
    expect((await request(url).get('/orders')).status).toBe(401);
    const expired = await request(url).get('/feed').set('Authorization', `Bearer ${await issuer.sign({}, { expiresIn: -120 })}`);
    expect(expired.status).toBe(401);
    expect(expired.headers['www-authenticate']).toBe('Bearer realm="api", error="invalid_token", error_description="token expired"');
    const lacking = await request(url).get('/orders').set('Authorization', `Bearer ${await issuer.sign({ scope: 'profile' })}`);
    expect(lacking.status).toBe(403);
  });

  it('accepts ?access_token= with allowQuery: true, and refuses it by default', async () => {
    const token = await issuer.sign({ scope: 'orders:read' });
    const allowing = await start((app, router) => {
      app.use(requireAuth({ ...optionsFor(issuer), allowQuery: true }));
      router.get('/orders', requireScope('orders:read'), echo);
    });
    const ok = await request(allowing).get('/orders').query({ access_token: token });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ auth: { subject: 'client-123', scopes: ['orders:read'] } });
    const twice = await request(allowing).get('/orders').query({ access_token: token }).set('Authorization', `Bearer ${token}`);
    expect(twice.status).toBe(400);
    expect(twice.headers['www-authenticate']).toBe('Bearer realm="api", error="invalid_request", error_description="token sent by more than one method"');

    const refusing = await start((app, router) => {
      app.use(requireAuth(optionsFor(issuer)));
      router.get('/orders', echo);
    });
    const refused = await request(refusing).get('/orders').query({ access_token: token });
    expect(refused.status).toBe(400);
    expect(refused.headers['www-authenticate']).toBe(
      'Bearer realm="api", error="invalid_request", error_description="access_token in the query is not accepted; use the Authorization header"',
    );
  });

  it('puts the realm option in every challenge, quoted', async () => {
    const url = await start((app, router) => {
      app.use(requireAuth({ ...optionsFor(issuer), realm: 'orders "v2"' }));
      router.get('/orders', requireScope('orders:read'), echo);
    });
    const missing = await request(url).get('/orders');
    expect(missing.status).toBe(401);
    expect(missing.headers['www-authenticate']).toBe('Bearer realm="orders \\"v2\\""');
    const expired = await request(url).get('/orders').set('Authorization', `Bearer ${await issuer.sign({}, { expiresIn: -120 })}`);
    expect(expired.headers['www-authenticate']).toBe('Bearer realm="orders \\"v2\\"", error="invalid_token", error_description="token expired"');
    const lacking = await request(url).get('/orders').set('Authorization', `Bearer ${await issuer.sign({ scope: 'profile' })}`);
    expect(lacking.status).toBe(403);
    expect(lacking.headers['www-authenticate']).toBe(
      'Bearer realm="orders \\"v2\\"", error="insufficient_scope", error_description="token lacks a required scope", scope="orders:read"',
    );
  });
});
