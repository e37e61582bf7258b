// Standalone requireScope: fails closed until configured; configure() and requireAuth() validate options at startup.
import { createTestIssuer, type TestIssuer } from '@tollgate/testing';
import Koa from 'koa';
import type { Middleware } from 'koa';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { optionsFor, serve, type Served } from './support.js';

type Adapter = typeof import('../src/index.js');

let issuer: TestIssuer;
let served: Served | undefined;

beforeAll(async () => {
  issuer = await createTestIssuer();
});
afterAll(async () => {
  await issuer.close();
});
afterEach(async () => {
  await served?.close();
  served = undefined;
});

/** A fresh copy of the adapter, so no other test's configure()/requireAuth() is its default. */
async function freshAdapter(): Promise<Adapter> {
  vi.resetModules();
  return import('../src/index.js');
}

/** An app whose only tollgate middleware is `guard`; records what reached the handler and what the user's catch saw. */
async function appWith(adapter: Adapter, guard: Middleware) {
  const reached: string[] = [];
  const errors: unknown[] = [];
  const app = new Koa();
  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      errors.push(err);
      if (err instanceof adapter.TollgateError) {
        ctx.status = err.status;
        ctx.set(err.headers);
        ctx.body = err.toJSON();
        return;
      }
      if (err instanceof adapter.TollgateConfigError) {
        ctx.status = err.status;
        ctx.body = { error: 'server_error' };
        return;
      }
      throw err;
    }
  });
  app.use(guard);
  app.use((ctx) => {
    reached.push(ctx.state.auth?.subject ?? '(none)');
    ctx.body = { scopes: ctx.state.auth?.scopes ?? null };
  });
  served = await serve(app.callback());
  return { url: served.url, reached, errors };
}

describe('requireScope without requireAuth or configure', () => {
  let adapter: Adapter;
  beforeEach(async () => {
    adapter = await freshAdapter();
  });

  it('fails closed on the first request with a 500 TollgateConfigError that says how to configure', async () => {
    const { url, reached, errors } = await appWith(adapter, adapter.requireScope('orders:read'));
    const token = await issuer.sign({ scope: 'orders:read' });
    const res = await request(url).get('/orders').set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ error: 'server_error' });
    expect(reached).toEqual([]);
    expect(errors).toHaveLength(1);
    const err = errors[0];
    expect(err).toBeInstanceOf(adapter.TollgateConfigError);
    expect(err).not.toBeInstanceOf(adapter.TollgateError);
    expect((err as Error).message).toBe(
      '@tollgate/koa: requireScope() has no verifier: call configure({ issuer, audience }) or use requireAuth({ issuer, audience }) before it',
    );
    expect((err as InstanceType<Adapter['TollgateConfigError']>).status).toBe(500);
  });

  it('fails closed for a request without a token too, and on every later request', async () => {
    const { url, reached, errors } = await appWith(adapter, adapter.requireAnyScope('orders:read', 'orders:admin'));
    for (let i = 0; i < 3; i += 1) {
      const res = await request(url).get('/orders');
      expect(res.status).toBe(500);
      expect(res.headers['www-authenticate']).toBeUndefined();
    }
    expect(reached).toEqual([]);
    expect(errors).toHaveLength(3);
    for (const err of errors) expect(err).toBeInstanceOf(adapter.TollgateConfigError);
  });

  it("answers 500 through Koa's default onerror as well, without exposing the message, never passing the request on", async () => {
    const app = new Koa();
    // The configuration error is not exposed (expose: false), so Koa would log it; keep the test output quiet.
    app.silent = true;
    const reported: unknown[] = [];
    app.on('error', (err: unknown) => reported.push(err));
    const reached: string[] = [];
    app.use(adapter.requireScope('orders:read'));
    app.use((ctx) => {
      reached.push('handler');
      ctx.body = { ok: true };
    });
    served = await serve(app.callback());
    const token = await issuer.sign({ scope: 'orders:read' });
    const res = await request(served.url).get('/orders').set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(500);
    expect(res.text).toBe('Internal Server Error');
    expect(reached).toEqual([]);
    expect(reported).toHaveLength(1);
    expect(reported[0]).toBeInstanceOf(adapter.TollgateConfigError);
  });
});

describe('requireScope after configure()', () => {
  it('the same standalone middleware, created before configure(), then authenticates and checks the scope', async () => {
    const adapter = await freshAdapter();
    const guard = adapter.requireScope('orders:read');
    const { url, reached, errors } = await appWith(adapter, guard);
    const before = await request(url).get('/orders').set('Authorization', `Bearer ${await issuer.sign({ scope: 'orders:read' })}`);
    expect(before.status).toBe(500);

    adapter.configure(optionsFor(issuer));

    const ok = await request(url).get('/orders').set('Authorization', `Bearer ${await issuer.sign({ scope: 'orders:read profile' })}`);
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ scopes: ['orders:read', 'profile'] });
    expect(reached).toEqual(['client-123']);

    const lacking = await request(url).get('/orders').set('Authorization', `Bearer ${await issuer.sign({ scope: 'orders:write' })}`);
    expect(lacking.status).toBe(403);
    expect(lacking.headers['www-authenticate']).toBe(
      'Bearer realm="api", error="insufficient_scope", error_description="token lacks a required scope", scope="orders:read"',
    );

    const missing = await request(url).get('/orders');
    expect(missing.status).toBe(401);
    expect(missing.headers['www-authenticate']).toBe('Bearer realm="api"');

    const expired = await request(url).get('/orders').set('Authorization', `Bearer ${await issuer.sign({ scope: 'orders:read' }, { expiresIn: -120 })}`);
    expect(expired.status).toBe(401);
    expect(expired.headers['www-authenticate']).toBe('Bearer realm="api", error="invalid_token", error_description="token expired"');
    expect(reached).toEqual(['client-123']);
    expect(errors.map((err) => (err as Error).name)).toEqual([
      'TollgateConfigError',
      'InsufficientScopeError',
      'MissingTokenError',
      'InvalidTokenError',
    ]);
  });

  it("uses the configured guard options: realm and allowQuery", async () => {
    const adapter = await freshAdapter();
    adapter.configure({ ...optionsFor(issuer), realm: 'orders', allowQuery: true });
    const { url } = await appWith(adapter, adapter.requireScope('orders:read'));
    const token = await issuer.sign({ scope: 'orders:read' });
    const ok = await request(url).get('/orders').query({ access_token: token });
    expect(ok.status).toBe(200);
    const missing = await request(url).get('/orders');
    expect(missing.status).toBe(401);
    expect(missing.headers['www-authenticate']).toBe('Bearer realm="orders"');
  });

  it('also works when requireAuth(options) set the defaults, even unmounted', async () => {
    const adapter = await freshAdapter();
    adapter.requireAuth(optionsFor(issuer));
    const { url } = await appWith(adapter, adapter.requireScope('orders:read'));
    const ok = await request(url).get('/orders').set('Authorization', `Bearer ${await issuer.sign({ scope: 'orders:read' })}`);
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ scopes: ['orders:read'] });
  });

  it('accepts a ready verifier', async () => {
    const adapter = await freshAdapter();
    adapter.configure(adapter.createVerifier(optionsFor(issuer)));
    const { url } = await appWith(adapter, adapter.requireScope('orders:read'));
    const res = await request(url).get('/orders').set('Authorization', `Bearer ${await issuer.sign({ scope: 'orders:write' })}`);
    expect(res.status).toBe(403);
  });
});

describe('invalid options fail at startup', () => {
  let adapter: Adapter;
  beforeEach(async () => {
    adapter = await freshAdapter();
  });

  const invalid: [string, Record<string, unknown>, RegExp][] = [
    ['a missing audience', { issuer: 'https://auth.example.test/' }, /^\s+- audience: required: audience/m],
    ['a missing issuer', { audience: 'https://api.example.test' }, /^\s+- issuer: required: issuer identifier/m],
    ['an http issuer', { issuer: 'http://auth.example.test/', audience: 'https://api.example.test' }, /^\s+- issuer: 'http:\/\/auth\.example\.test\/' must be an https URL$/m],
    ['a symmetric algorithm', { issuer: 'https://auth.example.test/', audience: 'x', algorithms: ['HS256'] }, /^\s+- algorithms\.0: 'HS256' is symmetric/m],
    ['an unknown option', { issuer: 'https://auth.example.test/', audience: 'x', audiences: ['y'] }, /^\s+- \(options\): Unrecognized key: "audiences"$/m],
    ['a bad duration', { issuer: 'https://auth.example.test/', audience: 'x', jwks: { cooldown: 'soon' } }, /^\s+- jwks\.cooldown: expected cooldown/m],
  ];

  it.each(invalid)('requireAuth() throws a TollgateConfigError naming it: %s', (_name, options, message) => {
    let thrown: unknown;
    try {
      adapter.requireAuth(options as never);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(adapter.TollgateConfigError);
    expect((thrown as Error).message).toMatch(message);
  });

  it.each(invalid)('configure() throws a TollgateConfigError naming it: %s', (_name, options, message) => {
    expect(() => adapter.configure(options as never)).toThrow(adapter.TollgateConfigError);
    expect(() => adapter.configure(options as never)).toThrow(message);
  });

  it('a failed configure() leaves requireScope unconfigured (still failing closed)', async () => {
    expect(() => adapter.configure({ issuer: issuer.issuer } as never)).toThrow(adapter.TollgateConfigError);
    const { url, errors } = await appWith(adapter, adapter.requireScope('orders:read'));
    const res = await request(url).get('/orders').set('Authorization', `Bearer ${await issuer.sign({ scope: 'orders:read' })}`);
    expect(res.status).toBe(500);
    expect(errors[0]).toBeInstanceOf(adapter.TollgateConfigError);
  });

  it('a failed configure() keeps the earlier configuration', async () => {
    adapter.configure({ ...optionsFor(issuer), realm: 'first' });
    expect(() => adapter.configure({ ...optionsFor(issuer), realm: 'second', audience: [] })).toThrow(/- audience:/);
    const { url } = await appWith(adapter, adapter.requireScope('orders:read'));
    const res = await request(url).get('/orders');
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="first"');
  });
});

describe('invalid scope names fail at creation', () => {
  it.each(['a b', 'x"y', 'back\\slash', ''])('requireScope(%j) and requireAnyScope throw', async (scope) => {
    const adapter = await freshAdapter();
    const message = `${JSON.stringify(scope)} is not a valid scope`;
    expect(() => adapter.requireScope('orders:read', scope)).toThrow(message);
    expect(() => adapter.requireAnyScope(scope)).toThrow(message);
    expect(() => adapter.RequireScope(scope)).toThrow(message);
    expect(() => adapter.RequireAnyScope('orders:read', scope)).toThrow(message);
  });
});
