// Standalone guards (Express/Koa requireScope, Fastify @RequireScope) fail closed until the adapter is configured;
// configure() and the adapter's entry point (requireAuth() / plugin registration) validate options at startup.
// Every adapter, every framework major; each test starts from a fresh copy of the adapter module.
import request from 'supertest';
import { beforeEach, describe, expect, it } from 'vitest';
import { byName } from '../support/frameworks.js';
import { useIssuer } from '../support/issuer.js';
import type { AdapterHandle, AdapterModule, UserErrorHandler } from './driver.js';
import { DRIVERS } from './drivers/index.js';
import { describeTargets, useApps } from './harness.js';

const issuer = useIssuer();
const start = useApps();

/** The user's error handler: renders refusals as `toJSON()`, a configuration error as 500 `server_error`. */
const userHandler =
  (module: AdapterModule): UserErrorHandler =>
  (err) => {
    if (err instanceof module.TollgateError) return { status: err.status, headers: err.headers, body: err.toJSON() };
    if (err instanceof module.TollgateConfigError) return { status: err.status, body: { error: 'server_error' } };
    return undefined;
  };

/** GET /orders guarded only by the adapter's standalone guard for `orders:read`, behind the user's error handler. */
const standaloneApp = (handle: AdapterHandle) =>
  start(handle, { routes: [{ path: '/orders', kind: 'standalone', scopes: ['orders:read'] }], errors: userHandler(handle.module) });

const INSUFFICIENT_SCOPE = 'Bearer realm="api", error="insufficient_scope", error_description="token lacks a required scope", scope="orders:read"';
const EXPIRED = 'Bearer realm="api", error="invalid_token", error_description="token expired"';

describeTargets(DRIVERS, (driver, target) => {
  let handle: AdapterHandle;
  beforeEach(async () => {
    handle = await target.load();
  });

  describe('a standalone guard without any configuration', () => {
    it('fails closed on the first request with a 500 TollgateConfigError that says how to configure', async () => {
      const { url, reached, errors } = await standaloneApp(handle);
      const res = await request(url).get('/orders').set('Authorization', await issuer.bearer({ scope: 'orders:read' }));
      expect(res.status).toBe(500);
      expect(res.body).toEqual({ error: 'server_error' });
      expect(reached).toEqual([]);
      expect(errors).toHaveLength(1);
      const err = errors[0];
      expect(err).toBeInstanceOf(handle.module.TollgateConfigError);
      expect(err).not.toBeInstanceOf(handle.module.TollgateError);
      expect((err as Error).message).toBe(driver.unconfiguredMessage);
      expect((err as InstanceType<AdapterModule['TollgateConfigError']>).status).toBe(500);
    });

    it('fails closed for a request without a token too (any-scope guard), and on every later request', async () => {
      const { url, reached, errors } = await start(handle, {
        routes: [{ path: '/orders', kind: 'standalone', scopes: ['orders:read', 'orders:admin'], mode: 'any' }],
        errors: userHandler(handle.module),
      });
      for (let i = 0; i < 3; i += 1) {
        const res = await request(url).get('/orders');
        expect(res.status).toBe(500);
        expect(res.headers['www-authenticate']).toBeUndefined();
      }
      expect(reached).toEqual([]);
      expect(errors).toHaveLength(3);
      for (const err of errors) expect(err).toBeInstanceOf(handle.module.TollgateConfigError);
    });

    it("answers 500 through the framework's own error handling as well, never passing the request on", async () => {
      // The framework's rendering of that 500 is checked in each package's tests.
      const { url, reached } = await start(handle, { routes: [{ path: '/orders', kind: 'standalone', scopes: ['orders:read'] }], errors: 'default' });
      for (const authorization of [await issuer.bearer({ scope: 'orders:read' }), undefined]) {
        const call = request(url).get('/orders');
        if (authorization) call.set('Authorization', authorization);
        const res = await call;
        expect(res.status).toBe(500);
        expect(res.headers['www-authenticate']).toBeUndefined();
      }
      expect(reached).toEqual([]);
    });
  });

  describe('a standalone guard after configure()', () => {
    it('the same guard, created before configure(), then authenticates and checks the scope', async () => {
      const { url, reached, errors } = await standaloneApp(handle);
      const before = await request(url).get('/orders').set('Authorization', await issuer.bearer({ scope: 'orders:read' }));
      expect(before.status).toBe(500);

      handle.module.configure(issuer.options());

      const ok = await request(url).get('/orders').set('Authorization', await issuer.bearer({ scope: 'orders:read profile' }));
      expect(ok.status).toBe(200);
      expect(ok.body).toEqual({ auth: { subject: 'client-123', audience: [issuer.current.audience], scopes: ['orders:read', 'profile'] } });
      expect(reached).toEqual(['client-123']);

      const lacking = await request(url).get('/orders').set('Authorization', await issuer.bearer({ scope: 'orders:write' }));
      expect(lacking.status).toBe(403);
      expect(lacking.headers['www-authenticate']).toBe(INSUFFICIENT_SCOPE);

      const missing = await request(url).get('/orders');
      expect(missing.status).toBe(401);
      expect(missing.headers['www-authenticate']).toBe('Bearer realm="api"');

      const expired = await request(url).get('/orders').set('Authorization', await issuer.bearer({ scope: 'orders:read' }, { expiresIn: -120 }));
      expect(expired.status).toBe(401);
      expect(expired.headers['www-authenticate']).toBe(EXPIRED);
      expect(reached).toEqual(['client-123']);
      expect(errors.map((err) => (err as Error).name)).toEqual(['TollgateConfigError', 'InsufficientScopeError', 'MissingTokenError', 'InvalidTokenError']);
    });

    it('uses the configured guard options: realm and allowQuery', async () => {
      handle.module.configure({ ...issuer.options(), realm: 'orders', allowQuery: true });
      const { url } = await standaloneApp(handle);
      const ok = await request(url).get('/orders').query({ access_token: await issuer.sign({ scope: 'orders:read' }) });
      expect(ok.status).toBe(200);
      const missing = await request(url).get('/orders');
      expect(missing.status).toBe(401);
      expect(missing.headers['www-authenticate']).toBe('Bearer realm="orders"');
    });

    it(`is not configured by ${driver.entryPoint} elsewhere (another route, another app): it still fails closed`, async () => {
      await handle.startup(issuer.options());
      const { url, reached } = await standaloneApp(handle);
      const res = await request(url).get('/orders').set('Authorization', await issuer.bearer({ scope: 'orders:read' }));
      expect(res.status).toBe(500);
      expect(res.body).toEqual({ error: 'server_error' });
      expect(reached).toEqual([]);
    });

    it('accepts a ready verifier', async () => {
      handle.module.configure(handle.module.createVerifier(issuer.options()));
      const { url } = await standaloneApp(handle);
      const res = await request(url).get('/orders').set('Authorization', await issuer.bearer({ scope: 'orders:write' }));
      expect(res.status).toBe(403);
    });

    it('a failed configure() leaves the guard unconfigured (still failing closed)', async () => {
      expect(() => handle.module.configure({ issuer: issuer.current.issuer } as never)).toThrow(handle.module.TollgateConfigError);
      const { url, errors } = await standaloneApp(handle);
      const res = await request(url).get('/orders').set('Authorization', await issuer.bearer({ scope: 'orders:read' }));
      expect(res.status).toBe(500);
      expect(errors[0]).toBeInstanceOf(handle.module.TollgateConfigError);
    });

    it('a failed configure() keeps the earlier configuration', async () => {
      handle.module.configure({ ...issuer.options(), realm: 'first' });
      expect(() => handle.module.configure({ ...issuer.options(), realm: 'second', audience: [] })).toThrow(/- audience:/);
      const { url } = await standaloneApp(handle);
      const res = await request(url).get('/orders');
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer realm="first"');
    });
  });
});

// Startup validation does not depend on the framework's major: it runs once per adapter, with the newest.
describe.each(byName(DRIVERS))('%s', (_adapter, driver) => {
  const newest = driver.targets.at(-1)!;
  let handle: AdapterHandle;
  beforeEach(async () => {
    handle = await newest.load();
  });

  describe('invalid options fail at startup', () => {
    const invalid: [string, Record<string, unknown>, RegExp][] = [
      ['a missing audience', { issuer: 'https://auth.example.test/' }, /^\s+- audience: required: audience/m],
      ['a missing issuer', { audience: 'https://api.example.test' }, /^\s+- issuer: required: issuer identifier/m],
      ['an http issuer', { issuer: 'http://auth.example.test/', audience: 'https://api.example.test' }, /^\s+- issuer: 'http:\/\/auth\.example\.test\/' must be an https URL; allowInsecureRequests: true allows http on localhost, 127.0.0.1 and \[::1\] only; for a development issuer on another host \(a docker compose service\), name it: allowInsecureRequests: { hosts: \['auth.example.test'\] }/m],
      ['a symmetric algorithm', { issuer: 'https://auth.example.test/', audience: 'x', algorithms: ['HS256'] }, /^\s+- algorithms\.0: 'HS256' is symmetric/m],
      ['an unknown option', { issuer: 'https://auth.example.test/', audience: 'x', audiences: ['y'] }, /^\s+- \(options\): Unrecognized key: "audiences"$/m],
      ['a bad duration', { issuer: 'https://auth.example.test/', audience: 'x', jwks: { cooldown: 'soon' } }, /^\s+- jwks\.cooldown: expected cooldown/m],
    ];

    it.each(invalid)(`${driver.entryPoint} throws a TollgateConfigError naming it: %s`, async (_name, options, message) => {
      let thrown: unknown;
      try {
        await handle.startup(options as never);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(handle.module.TollgateConfigError);
      expect((thrown as Error).message).toMatch(message);
    });

    it.each(invalid)('configure() throws a TollgateConfigError naming it: %s', (_name, options, message) => {
      expect(() => handle.module.configure(options as never)).toThrow(handle.module.TollgateConfigError);
      expect(() => handle.module.configure(options as never)).toThrow(message);
    });
  });

  describe('invalid scope names fail at creation', () => {
    it.each(['a b', 'x"y', 'back\\slash', ''])('%j is refused by the decorators and every other scope guard factory', async (scope) => {
      const message = `${JSON.stringify(scope)} is not a valid scope`;
      expect(() => handle.module.RequireScope(scope)).toThrow(message);
      expect(() => handle.module.RequireAnyScope('orders:read', scope)).toThrow(message);
      expect(handle.scopeGuardFactories.length).toBeGreaterThan(0);
      for (const factory of handle.scopeGuardFactories) {
        await expect(Promise.resolve().then(() => factory.create(scope, issuer.options())), factory.name).rejects.toThrow(message);
      }
    });
  });
});
