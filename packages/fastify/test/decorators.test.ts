// @RequireScope / @RequireAnyScope on controller methods: bound to their instance (Fastify calls handlers with
// `this` set to the server), and answering exactly like fastify.requireScope and route config.scopes.
import { createTestIssuer, type TestIssuer } from '@tollgate/testing';
import fastify5 from 'fastify';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fastify4 from 'fastify4';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVerifier, RequireAnyScope, RequireScope, tollgate, tollgateErrorHandler } from '../src/index.js';
import type { Verifier } from '../src/index.js';
import { optionsFor } from './support.js';

let issuer: TestIssuer;

beforeAll(async () => {
  issuer = await createTestIssuer();
});
afterAll(async () => {
  await issuer.close();
});

class OrdersController {
  readonly source = 'orders-db';
  calls = 0;

  @RequireScope('orders:read')
  async list(request: FastifyRequest, _reply: FastifyReply) {
    this.calls += 1;
    return { source: this.source, scopes: request.auth?.scopes };
  }

  @RequireAnyScope('a', 'b')
  async either(request: FastifyRequest) {
    return { source: this.source, subject: request.auth?.subject };
  }

  @RequireScope('orders:read')
  async failsLater(): Promise<never> {
    await new Promise((resolve) => setImmediate(resolve));
    throw new Error(`async failure in ${this.source}`);
  }
}

const frameworks: [string, () => FastifyInstance][] = [
  ['Fastify 5', () => fastify5()],
  ['Fastify 4', () => (fastify4 as unknown as typeof fastify5)()],
];

describe.each(frameworks)('%s', (_name, createApp) => {
  let app: FastifyInstance;
  let url: string;
  let controller: OrdersController;

  beforeAll(async () => {
    controller = new OrdersController();
    app = createApp();
    const render = tollgateErrorHandler();
    app.setErrorHandler((error: FastifyError, req, reply) =>
      error.statusCode === undefined || error.statusCode >= 500
        ? reply.code(500).send({ caught: error.message })
        : render(error, req, reply),
    );
    // global: false, so the decorators authenticate by themselves (with the plugin's configuration).
    await app.register(tollgate, { ...optionsFor(issuer), global: false });
    // Unbound method references, as controllers are usually mounted.
    app.get('/decorated', controller.list);
    app.get('/decorated-any', controller.either);
    app.get('/decorated-async-error', controller.failsLater);
    app.get('/pre-handler', { preHandler: app.requireScope('orders:read') }, async () => ({ ok: true }));
    app.get('/pre-handler-any', { preHandler: app.requireAnyScope('a', 'b') }, async () => ({ ok: true }));
    app.get('/config', { config: { scopes: ['orders:read'] } }, async () => ({ ok: true }));
    url = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await app.close();
  });

  it('runs a decorated method with `this` bound to the controller, given the scope', async () => {
    const token = await issuer.sign({ scope: 'orders:read profile' });
    const res = await request(url).get('/decorated').set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ source: 'orders-db', scopes: ['orders:read', 'profile'] });
    expect(controller.calls).toBe(1);
  });

  it('answers 403 with scope="orders:read" without the scope, and never runs the method', async () => {
    const callsBefore = controller.calls;
    const token = await issuer.sign({ scope: 'orders:write' });
    const res = await request(url).get('/decorated').set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(403);
    expect(res.headers['www-authenticate']).toBe(
      'Bearer realm="api", error="insufficient_scope", error_description="token lacks a required scope", scope="orders:read"',
    );
    expect(res.body).toEqual({ error: 'insufficient_scope', error_description: 'token lacks a required scope' });
    expect(controller.calls).toBe(callsBefore);
  });

  it('gives a 403 byte-identical to fastify.requireScope and to route config.scopes', async () => {
    const token = await issuer.sign({ scope: 'orders:write' });
    const [decorated, preHandler, config] = await Promise.all(
      ['/decorated', '/pre-handler', '/config'].map((path) => request(url).get(path).set('Authorization', `Bearer ${token}`)),
    );
    expect(decorated!.status).toBe(403);
    for (const other of [preHandler!, config!]) {
      expect(decorated!.status).toBe(other.status);
      expect(decorated!.headers['www-authenticate']).toBe(other.headers['www-authenticate']);
      expect(decorated!.headers['content-type']).toBe(other.headers['content-type']);
      expect(decorated!.headers['cache-control']).toBe(other.headers['cache-control']);
      expect(decorated!.text).toBe(other.text);
    }
  });

  it('gives the same 401 as fastify.requireScope without a token, and for an expired one', async () => {
    const expired = await issuer.sign({ scope: 'orders:read' }, { expiresIn: -120 });
    for (const authorization of [undefined, `Bearer ${expired}`]) {
      const decorated = request(url).get('/decorated');
      const preHandler = request(url).get('/pre-handler');
      if (authorization) {
        decorated.set('Authorization', authorization);
        preHandler.set('Authorization', authorization);
      }
      const [a, b] = await Promise.all([decorated, preHandler]);
      expect(a.status).toBe(401);
      expect([a.status, a.headers['www-authenticate'], a.text]).toEqual([b.status, b.headers['www-authenticate'], b.text]);
    }
  });

  it('@RequireAnyScope accepts either scope and answers like fastify.requireAnyScope without both', async () => {
    const withB = await request(url).get('/decorated-any').set('Authorization', `Bearer ${await issuer.sign({ scope: 'b' })}`);
    expect(withB.status).toBe(200);
    expect(withB.body).toEqual({ source: 'orders-db', subject: 'client-123' });
    const withA = await request(url).get('/decorated-any').set('Authorization', `Bearer ${await issuer.sign({ scp: ['a'] })}`);
    expect(withA.status).toBe(200);

    const token = await issuer.sign({ scope: 'c' });
    const decorated = await request(url).get('/decorated-any').set('Authorization', `Bearer ${token}`);
    const preHandler = await request(url).get('/pre-handler-any').set('Authorization', `Bearer ${token}`);
    expect(decorated.status).toBe(403);
    expect(decorated.headers['www-authenticate']).toBe(
      'Bearer realm="api", error="insufficient_scope", error_description="token lacks any of the required scopes", scope="a b"',
    );
    expect([decorated.status, decorated.headers['www-authenticate'], decorated.text]).toEqual([
      preHandler.status,
      preHandler.headers['www-authenticate'],
      preHandler.text,
    ]);
  });

  it('lets the error of an async decorated handler reach the error handler', async () => {
    const token = await issuer.sign({ scope: 'orders:read' });
    const res = await request(url).get('/decorated-async-error').set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ caught: 'async failure in orders-db' });
  });
});

describe('decorated methods behind the global plugin', () => {
  it('reuse request.auth set by the plugin: one verification per request', async () => {
    const real = createVerifier(optionsFor(issuer));
    let authentications = 0;
    const counting: Verifier = {
      options: real.options,
      verify: (token) => real.verify(token),
      authenticate: (req, options) => {
        authentications += 1;
        return real.authenticate(req, options);
      },
    };
    const app = fastify5();
    try {
      await app.register(tollgate, { verifier: counting });
      app.get('/decorated', new OrdersController().list);
      const url = await app.listen({ host: '127.0.0.1', port: 0 });
      const ok = await request(url).get('/decorated').set('Authorization', `Bearer ${await issuer.sign({ scope: 'orders:read' })}`);
      expect(ok.status).toBe(200);
      expect(authentications).toBe(1);
      const lacking = await request(url).get('/decorated').set('Authorization', `Bearer ${await issuer.sign({ scope: 'x' })}`);
      expect(lacking.status).toBe(403);
      expect(authentications).toBe(2);
    } finally {
      await app.close();
    }
  });

  it('binds each instance separately', async () => {
    class Greeter {
      constructor(readonly greeting: string) {}
      @RequireScope('orders:read')
      async greet() {
        return { greeting: this.greeting };
      }
    }
    const app = fastify5();
    try {
      await app.register(tollgate, optionsFor(issuer));
      app.get('/hello', new Greeter('hello').greet);
      app.get('/hi', new Greeter('hi').greet);
      const url = await app.listen({ host: '127.0.0.1', port: 0 });
      const token = await issuer.sign({ scope: 'orders:read' });
      const hello = await request(url).get('/hello').set('Authorization', `Bearer ${token}`);
      const hi = await request(url).get('/hi').set('Authorization', `Bearer ${token}`);
      expect(hello.body).toEqual({ greeting: 'hello' });
      expect(hi.body).toEqual({ greeting: 'hi' });
    } finally {
      await app.close();
    }
  });
});
