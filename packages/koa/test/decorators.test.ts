// @RequireScope / @RequireAnyScope on controller methods: bound to their instance, same answers as the middleware.
import Router from '@koa/router';
import { createTestIssuer, type TestIssuer } from '@tollgate/testing';
import Koa3 from 'koa';
import type { Context, Next } from 'koa';
import Koa2 from 'koa2';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  configure,
  createVerifier,
  InsufficientScopeError,
  requireAnyScope,
  RequireAnyScope,
  requireAuth,
  requireScope,
  RequireScope,
  tollgateErrorHandler,
} from '../src/index.js';
import type { Verifier } from '../src/index.js';
import { optionsFor, serve, type Served } from './support.js';

let issuer: TestIssuer;

beforeAll(async () => {
  issuer = await createTestIssuer();
  // The decorators authenticate with the adapter's default configuration.
  configure(optionsFor(issuer));
});
afterAll(async () => {
  await issuer.close();
});

class OrdersController {
  readonly source = 'orders-db';
  calls = 0;

  @RequireScope('orders:read')
  async list(ctx: Context) {
    this.calls += 1;
    ctx.body = { source: this.source, scopes: ctx.state.auth?.scopes };
  }

  @RequireAnyScope('a', 'b')
  async either(ctx: Context, _next: Next) {
    ctx.body = { source: this.source, subject: ctx.state.auth?.subject };
  }

  @RequireScope('orders:read')
  async failsLater(_ctx: Context): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    throw new Error(`async failure in ${this.source}`);
  }
}

const frameworks: [string, () => Koa3][] = [
  ['Koa 3', () => new Koa3()],
  ['Koa 2', () => new (Koa2 as unknown as typeof Koa3)()],
];

describe.each(frameworks)('%s', (_name, createApp) => {
  let served: Served;
  let controller: OrdersController;

  beforeAll(async () => {
    controller = new OrdersController();
    const app = createApp();
    // Other errors: 500 with their message, so the test sees which error arrived.
    app.use(async (ctx, next) => {
      try {
        await next();
      } catch (error) {
        ctx.status = 500;
        ctx.body = { caught: error instanceof Error ? error.message : String(error) };
      }
    });
    app.use(tollgateErrorHandler());
    const router = new Router();
    // Unbound method references, as controllers are usually mounted.
    router.get('/decorated', controller.list);
    router.get('/decorated-any', controller.either);
    router.get('/decorated-async-error', controller.failsLater);
    router.get('/middleware', requireScope('orders:read'), (ctx) => {
      ctx.body = { ok: true };
    });
    router.get('/middleware-any', requireAnyScope('a', 'b'), (ctx) => {
      ctx.body = { ok: true };
    });
    app.use(router.routes());
    served = await serve(app.callback());
  });
  afterAll(async () => {
    await served.close();
  });

  it('runs a decorated method with `this` bound, given the scope', async () => {
    const token = await issuer.sign({ scope: 'orders:read profile' });
    const res = await request(served.url).get('/decorated').set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ source: 'orders-db', scopes: ['orders:read', 'profile'] });
    expect(controller.calls).toBe(1);
  });

  it('answers 403 with scope="orders:read" without the scope, and never runs the method', async () => {
    const callsBefore = controller.calls;
    const token = await issuer.sign({ scope: 'orders:write' });
    const res = await request(served.url).get('/decorated').set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(403);
    expect(res.headers['www-authenticate']).toBe(
      'Bearer realm="api", error="insufficient_scope", error_description="token lacks a required scope", scope="orders:read"',
    );
    expect(res.body).toEqual({ error: 'insufficient_scope', error_description: 'token lacks a required scope' });
    expect(controller.calls).toBe(callsBefore);
  });

  it('gives a 403 byte-identical to the requireScope middleware on another route', async () => {
    const token = await issuer.sign({ scope: 'orders:write' });
    const decorated = await request(served.url).get('/decorated').set('Authorization', `Bearer ${token}`);
    const middleware = await request(served.url).get('/middleware').set('Authorization', `Bearer ${token}`);
    expect(decorated.status).toBe(403);
    expect(decorated.status).toBe(middleware.status);
    expect(decorated.headers['www-authenticate']).toBe(middleware.headers['www-authenticate']);
    expect(decorated.headers['content-type']).toBe(middleware.headers['content-type']);
    expect(decorated.headers['cache-control']).toBe(middleware.headers['cache-control']);
    expect(decorated.text).toBe(middleware.text);
  });

  it('gives the same 401 as the middleware without a token, and for an expired one', async () => {
    const expired = await issuer.sign({ scope: 'orders:read' }, { expiresIn: -120 });
    for (const authorization of [undefined, `Bearer ${expired}`]) {
      const decorated = request(served.url).get('/decorated');
      const middleware = request(served.url).get('/middleware');
      if (authorization) {
        decorated.set('Authorization', authorization);
        middleware.set('Authorization', authorization);
      }
      const [a, b] = await Promise.all([decorated, middleware]);
      expect(a.status).toBe(401);
      expect([a.status, a.headers['www-authenticate'], a.text]).toEqual([b.status, b.headers['www-authenticate'], b.text]);
    }
  });

  it('@RequireAnyScope accepts either scope and answers like requireAnyScope without both', async () => {
    const withB = await request(served.url).get('/decorated-any').set('Authorization', `Bearer ${await issuer.sign({ scope: 'b' })}`);
    expect(withB.status).toBe(200);
    expect(withB.body).toEqual({ source: 'orders-db', subject: 'client-123' });
    const withA = await request(served.url).get('/decorated-any').set('Authorization', `Bearer ${await issuer.sign({ scp: ['a'] })}`);
    expect(withA.status).toBe(200);

    const token = await issuer.sign({ scope: 'c' });
    const decorated = await request(served.url).get('/decorated-any').set('Authorization', `Bearer ${token}`);
    const middleware = await request(served.url).get('/middleware-any').set('Authorization', `Bearer ${token}`);
    expect(decorated.status).toBe(403);
    expect(decorated.headers['www-authenticate']).toBe(
      'Bearer realm="api", error="insufficient_scope", error_description="token lacks any of the required scopes", scope="a b"',
    );
    expect([decorated.status, decorated.headers['www-authenticate'], decorated.text]).toEqual([
      middleware.status,
      middleware.headers['www-authenticate'],
      middleware.text,
    ]);
  });

  it('lets the error of an async decorated handler reach the error middleware', async () => {
    const token = await issuer.sign({ scope: 'orders:read' });
    const res = await request(served.url).get('/decorated-async-error').set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ caught: 'async failure in orders-db' });
  });
});

describe('decorated methods behind requireAuth', () => {
  it('reuse ctx.state.auth set by requireAuth (one verification), and throw the 403 to a try/catch', async () => {
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
    const seen: unknown[] = [];
    const controller = new OrdersController();
    const app = new Koa3();
    app.use(async (ctx, next) => {
      try {
        await next();
      } catch (error) {
        seen.push(error);
        ctx.status = 418;
      }
    });
    app.use(requireAuth(counting));
    app.use(controller.list);
    const served = await serve(app.callback());
    try {
      const ok = await request(served.url).get('/').set('Authorization', `Bearer ${await issuer.sign({ scope: 'orders:read' })}`);
      expect(ok.status).toBe(200);
      expect(authentications).toBe(1);
      const res = await request(served.url).get('/').set('Authorization', `Bearer ${await issuer.sign({ scope: 'x' })}`);
      expect(res.status).toBe(418);
      expect(authentications).toBe(2);
      expect(seen).toHaveLength(1);
      expect(seen[0]).toBeInstanceOf(InsufficientScopeError);
      expect((seen[0] as InsufficientScopeError).requiredScopes).toEqual(['orders:read']);
    } finally {
      await served.close();
    }
  });

  it('binds each instance separately', async () => {
    configure(optionsFor(issuer));
    class Greeter {
      constructor(readonly greeting: string) {}
      @RequireScope('orders:read')
      async greet(ctx: Context) {
        ctx.body = { greeting: this.greeting };
      }
    }
    const app = new Koa3();
    const router = new Router();
    router.get('/hello', new Greeter('hello').greet);
    router.get('/hi', new Greeter('hi').greet);
    app.use(router.routes());
    const served = await serve(app.callback());
    try {
      const token = await issuer.sign({ scope: 'orders:read' });
      const hello = await request(served.url).get('/hello').set('Authorization', `Bearer ${token}`);
      const hi = await request(served.url).get('/hi').set('Authorization', `Bearer ${token}`);
      expect(hello.body).toEqual({ greeting: 'hello' });
      expect(hi.body).toEqual({ greeting: 'hi' });
    } finally {
      await served.close();
    }
  });
});
