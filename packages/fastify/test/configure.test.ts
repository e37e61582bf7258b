// Standalone scope decorators: fail closed until configured; configure() and the plugin validate options at startup.
import { createTestIssuer, type TestIssuer } from '@tollgate/testing';
import fastify from 'fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { optionsFor } from './support.js';

type Adapter = typeof import('../src/index.js');

let issuer: TestIssuer;
let app: FastifyInstance | undefined;

beforeAll(async () => {
  issuer = await createTestIssuer();
});
afterAll(async () => {
  await issuer.close();
});
afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** A fresh copy of the adapter, so no other test's configure() or plugin registration is its default. */
async function freshAdapter(): Promise<Adapter> {
  vi.resetModules();
  return import('../src/index.js');
}

/** A controller whose handler is guarded by the adapter's `@RequireScope('orders:read')`. */
function controllerOf(adapter: Adapter, reached: string[]) {
  class Orders {
    readonly name = 'orders';
    @adapter.RequireScope('orders:read')
    async list(request: FastifyRequest, _reply: FastifyReply) {
      reached.push(this.name);
      return { scopes: request.auth?.scopes ?? null };
    }
  }
  return new Orders();
}

/** A Fastify app without the tollgate plugin, with the decorated handler on GET /orders. */
async function decoratedApp(adapter: Adapter, register?: (instance: FastifyInstance) => Promise<void>) {
  const reached: string[] = [];
  const errors: unknown[] = [];
  app = fastify();
  app.setErrorHandler((error, _request, reply) => {
    errors.push(error);
    if (error instanceof adapter.TollgateError) return reply.code(error.status).headers(error.headers).send(error.toJSON());
    return reply.code(500).send({ error: 'server_error' });
  });
  await register?.(app);
  app.get('/orders', controllerOf(adapter, reached).list);
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { url, reached, errors };
}

describe('@RequireScope without the plugin or configure()', () => {
  let adapter: Adapter;
  beforeEach(async () => {
    adapter = await freshAdapter();
  });

  it('fails closed on the first request with a 500 TollgateConfigError that says how to configure', async () => {
    const { url, reached, errors } = await decoratedApp(adapter);
    const token = await issuer.sign({ scope: 'orders:read' });
    const res = await request(url).get('/orders').set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ error: 'server_error' });
    expect(reached).toEqual([]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(adapter.TollgateConfigError);
    expect(errors[0]).not.toBeInstanceOf(adapter.TollgateError);
    expect((errors[0] as Error).message).toBe(
      '@tollgate/fastify: @RequireScope has no verifier: register the plugin, app.register(tollgate, { issuer, audience }), or call configure({ issuer, audience }) before it',
    );
  });

  it("fails closed without a token too, and through Fastify's default error handler", async () => {
    const reached: string[] = [];
    app = fastify();
    app.get('/orders', controllerOf(adapter, reached).list);
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    for (let i = 0; i < 2; i += 1) {
      const res = await request(url).get('/orders');
      expect(res.status).toBe(500);
      expect(res.headers['www-authenticate']).toBeUndefined();
      expect(res.body).toMatchObject({ statusCode: 500, error: 'Internal Server Error' });
    }
    expect(reached).toEqual([]);
  });
});

describe('@RequireScope after configure() or the plugin', () => {
  it('the same decorated handler, created before configure(), then authenticates and checks the scope', async () => {
    const adapter = await freshAdapter();
    const { url, reached, errors } = await decoratedApp(adapter);
    const before = await request(url).get('/orders').set('Authorization', `Bearer ${await issuer.sign({ scope: 'orders:read' })}`);
    expect(before.status).toBe(500);

    adapter.configure(optionsFor(issuer));

    const ok = await request(url).get('/orders').set('Authorization', `Bearer ${await issuer.sign({ scope: 'orders:read profile' })}`);
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ scopes: ['orders:read', 'profile'] });
    expect(reached).toEqual(['orders']);

    const lacking = await request(url).get('/orders').set('Authorization', `Bearer ${await issuer.sign({ scope: 'orders:write' })}`);
    expect(lacking.status).toBe(403);
    expect(lacking.headers['www-authenticate']).toBe(
      'Bearer realm="api", error="insufficient_scope", error_description="token lacks a required scope", scope="orders:read"',
    );
    const missing = await request(url).get('/orders');
    expect(missing.status).toBe(401);
    expect(missing.headers['www-authenticate']).toBe('Bearer realm="api"');
    expect(reached).toEqual(['orders']);
    expect(errors.map((err) => (err as Error).name)).toEqual(['TollgateConfigError', 'InsufficientScopeError', 'MissingTokenError']);
  });

  it('uses the configured realm and allowQuery', async () => {
    const adapter = await freshAdapter();
    adapter.configure({ ...optionsFor(issuer), realm: 'orders', allowQuery: true });
    const { url } = await decoratedApp(adapter);
    const ok = await request(url).get('/orders').query({ access_token: await issuer.sign({ scope: 'orders:read' }) });
    expect(ok.status).toBe(200);
    const missing = await request(url).get('/orders');
    expect(missing.status).toBe(401);
    expect(missing.headers['www-authenticate']).toBe('Bearer realm="orders"');
  });

  it('takes its configuration from a registered plugin (global: false, so only the decorator checks)', async () => {
    const adapter = await freshAdapter();
    const { url, reached } = await decoratedApp(adapter, async (instance) => {
      await instance.register(adapter.tollgate, { ...optionsFor(issuer), global: false });
    });
    const ok = await request(url).get('/orders').set('Authorization', `Bearer ${await issuer.sign({ scope: 'orders:read' })}`);
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ scopes: ['orders:read'] });
    const lacking = await request(url).get('/orders').set('Authorization', `Bearer ${await issuer.sign({ scope: 'orders:write' })}`);
    expect(lacking.status).toBe(403);
    expect(reached).toEqual(['orders']);
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
    ['a bad duration', { issuer: 'https://auth.example.test/', audience: 'x', jwks: { cooldown: 'soon' } }, /^\s+- jwks\.cooldown: expected cooldown/m],
  ];

  it.each(invalid)('plugin registration rejects with a TollgateConfigError naming it: %s', async (_name, options, message) => {
    app = fastify();
    const registered = app.register(adapter.tollgate, options as never);
    let thrown: unknown;
    try {
      await registered;
      await app.ready();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(adapter.TollgateConfigError);
    expect((thrown as Error).message).toMatch(message);
  });

  it('plugin registration rejects an unknown option, naming it', async () => {
    app = fastify();
    await expect(app.register(adapter.tollgate, { ...optionsFor(issuer), audiences: ['x'] } as never)).rejects.toThrow(
      /- \(options\): Unrecognized key: "audiences"/,
    );
  });

  it.each(invalid)('configure() throws a TollgateConfigError naming it: %s', (_name, options, message) => {
    expect(() => adapter.configure(options as never)).toThrow(adapter.TollgateConfigError);
    expect(() => adapter.configure(options as never)).toThrow(message);
  });

  it('the plugin refuses an invalid scope in its scopes option', async () => {
    app = fastify();
    await expect(app.register(adapter.tollgate, { ...optionsFor(issuer), scopes: ['orders read'] })).rejects.toThrow(
      '"orders read" is not a valid scope',
    );
  });
});

describe('invalid scope names fail at creation', () => {
  it.each(['a b', 'x"y', 'back\\slash', ''])('%j in a decorator, fastify.requireScope or route config throws', async (scope) => {
    const adapter = await freshAdapter();
    const message = `${JSON.stringify(scope)} is not a valid scope`;
    expect(() => adapter.RequireScope(scope)).toThrow(message);
    expect(() => adapter.RequireAnyScope('orders:read', scope)).toThrow(message);
    app = fastify();
    await app.register(adapter.tollgate, optionsFor(issuer));
    expect(() => app!.requireScope('orders:read', scope)).toThrow(message);
    expect(() => app!.requireAnyScope(scope)).toThrow(message);
    let thrown: unknown;
    try {
      app.get('/bad', { config: { scopes: [scope] } }, async () => 'never');
      await app.ready();
    } catch (error) {
      thrown = error;
    }
    expect((thrown as Error | undefined)?.message).toContain(message);
  });
});
