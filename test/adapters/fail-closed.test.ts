// Configurations written slightly differently must never open a route: a decorated method called without next,
// an empty scope list, CORS preflights. Every adapter, every framework major (the independent review's items 3, 6, 17).
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { useIssuer } from '../support/issuer.js';
import type { AdapterHandle } from './driver.js';
import { DRIVERS } from './drivers/index.js';
import { describeTargets, useApps, useSuiteApp } from './harness.js';

const issuer = useIssuer();
const start = useApps();

const INSUFFICIENT = 'Bearer realm="api", error="insufficient_scope", error_description="token lacks a required scope", scope="orders:read"';
const EXPIRED = 'Bearer realm="api", error="invalid_token", error_description="token expired"';

describeTargets(DRIVERS, (driver, target) => {
  let handle: AdapterHandle;
  beforeAll(async () => {
    handle = await target.load();
  });

  describe('a decorated method that the user\'s handler calls without next', () => {
    const suite = useSuiteApp(target, () => ({ auth: { options: issuer.options(), global: false }, routes: [{ path: '/orders', kind: 'wrapped', method: 'list' }] }));

    it.each([
      ['no token', () => Promise.resolve(undefined), 401, 'Bearer realm="api"', { error_description: 'bearer token required' }],
      ['a token lacking the scope', () => issuer.bearer({ scope: 'profile' }), 403, INSUFFICIENT, { error: 'insufficient_scope', error_description: 'token lacks a required scope' }],
      ['an expired token', () => issuer.bearer({ scope: 'orders:read' }, { expiresIn: -120 }), 401, EXPIRED, { error: 'invalid_token', error_description: 'token expired' }],
    ])('answers the refusal itself (%s), the same response as the middleware, and the process lives on', async (_name, token, status, challenge, body) => {
      const call = request(suite.app.url).get('/orders');
      const authorization = await token();
      if (authorization) call.set('Authorization', authorization);
      const res = await call;
      expect(res.status).toBe(status);
      expect(res.headers['www-authenticate']).toBe(challenge);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.body).toEqual(body);
      expect(suite.app.controller.calls).toBe(0);
    });

    it('runs the method given the scope', async () => {
      const res = await request(suite.app.url).get('/orders').set('Authorization', await issuer.bearer({ scope: 'orders:read' }));
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ source: 'orders-db', scopes: ['orders:read'] });
    });
  });

  describe('an unconfigured decorated method called without next', () => {
    // Express and Koa answer a bare 500 themselves; Fastify hands the error to the app's error handler through the reply.
    it('answers 500, never open, and the process lives on', async () => {
      const { url, controller, errors } = await start(handle, {
        routes: [{ path: '/orders', kind: 'wrapped', method: 'list' }],
        errors: (error) => (error instanceof handle.module.TollgateConfigError ? { status: 500, body: { error: 'from the app' } } : undefined),
      });
      const res = await request(url).get('/orders').set('Authorization', await issuer.bearer({ scope: 'orders:read' }));
      expect(res.status).toBe(500);
      expect(res.headers['www-authenticate']).toBeUndefined();
      expect(res.body).toEqual(driver.name === 'fastify' ? { error: 'from the app' } : { error: 'server_error' });
      expect(errors).toHaveLength(driver.name === 'fastify' ? 1 : 0);
      expect(controller.calls).toBe(0);
    });
  });

  describe('an empty scope list', () => {
    it('is refused where the decorator is applied: @RequireScope() and @RequireAnyScope()', () => {
      expect(() => handle.module.RequireScope()).toThrow(handle.module.TollgateConfigError);
      expect(() => handle.module.RequireScope()).toThrow('@RequireScope: names no scope; an empty list would admit any token');
      expect(() => handle.module.RequireAnyScope()).toThrow('@RequireAnyScope: names no scope; an empty list would admit any token');
    });

    it('is refused by every other scope guard factory', async () => {
      for (const factory of handle.scopeGuardFactories) {
        await expect(Promise.resolve().then(() => factory.createEmpty(issuer.options())), factory.name).rejects.toThrow('names no scope; an empty list would admit any token');
      }
    });
  });

  describe('CORS preflights', () => {
    const preflight = (url: string) =>
      request(url).options('/orders').set('Origin', 'https://app.example.test').set('Access-Control-Request-Method', 'GET');

    it('are authenticated by default (a handler for every method must not be reached unauthenticated)', async () => {
      const { url, reached } = await start(handle, { auth: { options: issuer.options() }, routes: [{ path: '/orders', kind: 'echo' }] });
      const res = await preflight(url);
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer realm="api"');
      expect(reached).toEqual([]);
    });

    it('pass unauthenticated with allowPreflight: true, and only true preflights do', async () => {
      const { url } = await start(handle, { auth: { options: issuer.options(), guard: { allowPreflight: true } }, routes: [{ path: '/orders', kind: 'echo' }] });
      const res = await preflight(url);
      expect(res.status).not.toBe(401);
      expect(res.headers['www-authenticate']).toBeUndefined();
      // OPTIONS without the preflight headers, and a GET with them, are ordinary requests.
      expect((await request(url).options('/orders')).status).toBe(401);
      expect((await request(url).options('/orders').set('Origin', 'https://app.example.test')).status).toBe(401);
      const get = await request(url).get('/orders').set('Origin', 'https://app.example.test').set('Access-Control-Request-Method', 'GET');
      expect(get.status).toBe(401);
    });
  });
});

describe.each(DRIVERS.map((driver) => [driver.name, driver] as const))('%s', (_name, driver) => {
  it('every driver names its scope guard factories (so the empty-list test above cannot pass vacuously)', async () => {
    const handle = await driver.targets.at(-1)!.load();
    expect(handle.scopeGuardFactories.length).toBeGreaterThanOrEqual(2);
  });
});
