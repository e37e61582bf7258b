// @RequireScope / @RequireAnyScope on controller methods: bound to their instance (mounted unbound, as controllers
// usually are), answering exactly like the adapter's scope middleware, and letting the handler's own errors reach
// the error handler (Express 4 included). Every adapter, every framework major.
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { useIssuer } from '../support/issuer.js';
import { countingVerifier } from '../support/verifier.js';
import type { AdapterHandle, RouteSpec } from './driver.js';
import { DRIVERS } from './drivers/index.js';
import { describeTargets, useApps, useSuiteApp } from './harness.js';

const issuer = useIssuer();
const start = useApps();

describeTargets(DRIVERS, (driver, target) => {
  let handle: AdapterHandle;
  beforeAll(async () => {
    handle = await target.load();
  });

  describe('decorated methods next to the scope middleware', () => {
    // The adapter's middleware for the same scopes, one route per idiom (Fastify: preHandler and route config).
    const middleware = driver.scopeIdioms.map((idiom) => `/middleware-${idiom}`);
    const middlewareAny = driver.scopeIdioms.map((idiom) => `/middleware-any-${idiom}`);
    const routes: RouteSpec[] = [
      { path: '/decorated', kind: 'decorated', method: 'list' },
      { path: '/decorated-any', kind: 'decorated', method: 'either' },
      { path: '/decorated-async-error', kind: 'decorated', method: 'failsLater' },
      { path: '/decorated-sync-error', kind: 'decorated', method: 'failsNow' },
      ...driver.scopeIdioms.flatMap((idiom): RouteSpec[] => [
        { path: `/middleware-${idiom}`, kind: 'scopes', scopes: ['orders:read'], idiom },
        { path: `/middleware-any-${idiom}`, kind: 'scopes', scopes: ['a', 'b'], mode: 'any', idiom },
      ]),
    ];
    // Not global: the decorators authenticate by themselves, with the adapter's configuration.
    const suite = useSuiteApp(target, () => ({ auth: { options: issuer.options(), global: false }, routes }));

    it('runs a decorated method with `this` bound, given the scope', async () => {
      const res = await request(suite.app.url).get('/decorated').set('Authorization', await issuer.bearer({ scope: 'orders:read profile' }));
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ source: 'orders-db', scopes: ['orders:read', 'profile'] });
      expect(suite.app.controller.calls).toBe(1);
    });

    it('answers 403 with scope="orders:read" without the scope, and never runs the method', async () => {
      const callsBefore = suite.app.controller.calls;
      const res = await request(suite.app.url).get('/decorated').set('Authorization', await issuer.bearer({ scope: 'orders:write' }));
      expect(res.status).toBe(403);
      expect(res.headers['www-authenticate']).toBe(
        'Bearer realm="api", error="insufficient_scope", error_description="token lacks a required scope", scope="orders:read"',
      );
      expect(res.body).toEqual({ error: 'insufficient_scope', error_description: 'token lacks a required scope' });
      expect(suite.app.controller.calls).toBe(callsBefore);
    });

    it('gives a 403 byte-identical to the scope middleware on another route', async () => {
      const token = await issuer.sign({ scope: 'orders:write' });
      const [decorated, ...others] = await Promise.all(
        ['/decorated', ...middleware].map((path) => request(suite.app.url).get(path).set('Authorization', `Bearer ${token}`)),
      );
      expect(decorated!.status).toBe(403);
      expect(others).toHaveLength(middleware.length);
      for (const other of others) {
        expect(decorated!.status).toBe(other.status);
        expect(decorated!.headers['www-authenticate']).toBe(other.headers['www-authenticate']);
        expect(decorated!.headers['content-type']).toBe(other.headers['content-type']);
        expect(decorated!.headers['cache-control']).toBe(other.headers['cache-control']);
        expect(decorated!.text).toBe(other.text);
      }
    });

    it('gives the same 401 as the scope middleware without a token, and for an expired one', async () => {
      const expired = await issuer.sign({ scope: 'orders:read' }, { expiresIn: -120 });
      for (const authorization of [undefined, `Bearer ${expired}`]) {
        const [a, ...others] = await Promise.all(
          ['/decorated', ...middleware].map((path) => {
            const call = request(suite.app.url).get(path);
            if (authorization) call.set('Authorization', authorization);
            return call;
          }),
        );
        expect(a!.status).toBe(401);
        for (const b of others) expect([a!.status, a!.headers['www-authenticate'], a!.text]).toEqual([b.status, b.headers['www-authenticate'], b.text]);
      }
    });

    it('@RequireAnyScope accepts either scope and answers like the any-scope middleware without both', async () => {
      const withB = await request(suite.app.url).get('/decorated-any').set('Authorization', await issuer.bearer({ scope: 'b' }));
      expect(withB.status).toBe(200);
      expect(withB.body).toEqual({ source: 'orders-db', subject: 'client-123' });
      const withA = await request(suite.app.url).get('/decorated-any').set('Authorization', await issuer.bearer({ scp: ['a'] }));
      expect(withA.status).toBe(200);

      const token = await issuer.sign({ scope: 'c' });
      const decorated = await request(suite.app.url).get('/decorated-any').set('Authorization', `Bearer ${token}`);
      expect(decorated.status).toBe(403);
      expect(decorated.headers['www-authenticate']).toBe(
        'Bearer realm="api", error="insufficient_scope", error_description="token lacks any of the required scopes", scope="a b"',
      );
      for (const path of middlewareAny) {
        const other = await request(suite.app.url).get(path).set('Authorization', `Bearer ${token}`);
        expect([decorated.status, decorated.headers['www-authenticate'], decorated.text]).toEqual([
          other.status,
          other.headers['www-authenticate'],
          other.text,
        ]);
      }
    });

    it('passes the error of an async decorated handler to the error handler', async () => {
      const res = await request(suite.app.url).get('/decorated-async-error').set('Authorization', await issuer.bearer({ scope: 'orders:read' }));
      expect(res.status).toBe(500);
      expect(res.body).toEqual({ caught: 'async failure in orders-db' });
    });

    it('passes the error of a synchronous decorated handler to the error handler', async () => {
      const res = await request(suite.app.url).get('/decorated-sync-error').set('Authorization', await issuer.bearer({ scope: 'orders:read' }));
      expect(res.status).toBe(500);
      expect(res.body).toEqual({ caught: 'sync failure in orders-db' });
    });

    it('refuses an async decorated handler before it runs when the scope is missing', async () => {
      const res = await request(suite.app.url).get('/decorated-async-error').set('Authorization', await issuer.bearer({ scope: 'orders:write' }));
      expect(res.status).toBe(403);
    });
  });

  it('binds each instance separately', async () => {
    const app = await start(handle, {
      auth: { options: issuer.options(), global: false },
      routes: [
        { path: '/hello', kind: 'greeter', greeting: 'hello' },
        { path: '/hi', kind: 'greeter', greeting: 'hi' },
      ],
    });
    const token = await issuer.sign({ scope: 'orders:read' });
    const hello = await request(app.url).get('/hello').set('Authorization', `Bearer ${token}`);
    const hi = await request(app.url).get('/hi').set('Authorization', `Bearer ${token}`);
    expect(hello.body).toEqual({ greeting: 'hello' });
    expect(hi.body).toEqual({ greeting: 'hi' });
  });

  describe('decorated methods behind app-wide authentication', () => {
    it('reuse the token it set (one verification) and hand the 403 to the user error handler', async () => {
      const { verifier, counter } = countingVerifier(handle.module.createVerifier(issuer.options()));
      const app = await start(handle, {
        auth: { options: verifier },
        routes: [{ path: '/decorated', kind: 'decorated', method: 'list' }],
        errors: () => ({ status: 418 }),
      });
      const ok = await request(app.url).get('/decorated').set('Authorization', await issuer.bearer({ scope: 'orders:read' }));
      expect(ok.status).toBe(200);
      expect(counter.authentications).toBe(1);
      const res = await request(app.url).get('/decorated').set('Authorization', await issuer.bearer({ scope: 'x' }));
      expect(res.status).toBe(418);
      expect(counter.authentications).toBe(2);
      expect(app.errors).toHaveLength(1);
      expect(app.errors[0]).toBeInstanceOf(handle.module.InsufficientScopeError);
      const insufficient = app.errors[0] as InstanceType<typeof handle.module.InsufficientScopeError>;
      expect(insufficient.status).toBe(403);
      expect(insufficient.requiredScopes).toEqual(['orders:read']);
    });
  });
});
