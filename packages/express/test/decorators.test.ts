// @RequireScope / @RequireAnyScope on controller methods: bound to their instance, same answers as the middleware,
// and errors of async handlers reach the error handler on Express 4 as on Express 5.
import { createTestIssuer, type TestIssuer } from '@tollgate/testing';
import express5 from 'express';
import type { ErrorRequestHandler, Express, NextFunction, Request, Response } from 'express';
import express4 from 'express4';
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
  list(req: Request, res: Response) {
    this.calls += 1;
    res.json({ source: this.source, scopes: req.auth?.scopes });
  }

  @RequireAnyScope('a', 'b')
  either(req: Request, res: Response) {
    res.json({ source: this.source, subject: req.auth?.subject });
  }

  @RequireScope('orders:read')
  async failsLater(_req: Request, _res: Response, _next: NextFunction): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    throw new Error(`async failure in ${this.source}`);
  }

  @RequireScope('orders:read')
  failsNow(_req: Request, _res: Response): void {
    throw new Error(`sync failure in ${this.source}`);
  }
}

const frameworks: [string, () => Express][] = [
  ['Express 5', () => express5()],
  ['Express 4', () => (express4 as unknown as typeof express5)()],
];

/** Renders other errors as 500 with their message, so the test sees which error arrived. */
const otherErrors: ErrorRequestHandler = (err, _req, res, _next) => {
  res.status(500).json({ caught: err instanceof Error ? err.message : String(err) });
};

describe.each(frameworks)('%s', (_name, createApp) => {
  let served: Served;
  let controller: OrdersController;

  beforeAll(async () => {
    controller = new OrdersController();
    const app = createApp();
    // Unbound method references, as controllers are usually mounted.
    app.get('/decorated', controller.list);
    app.get('/decorated-any', controller.either);
    app.get('/decorated-async-error', controller.failsLater);
    app.get('/decorated-sync-error', controller.failsNow);
    app.get('/middleware', requireScope('orders:read'), (_req, res) => {
      res.json({ ok: true });
    });
    app.get('/middleware-any', requireAnyScope('a', 'b'), (_req, res) => {
      res.json({ ok: true });
    });
    app.use(tollgateErrorHandler());
    app.use(otherErrors);
    served = await serve(app);
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

  it('passes the error of an async decorated handler to the error handler', async () => {
    const token = await issuer.sign({ scope: 'orders:read' });
    const res = await request(served.url).get('/decorated-async-error').set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ caught: 'async failure in orders-db' });
  });

  it('passes the error of a synchronous decorated handler to the error handler', async () => {
    const token = await issuer.sign({ scope: 'orders:read' });
    const res = await request(served.url).get('/decorated-sync-error').set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ caught: 'sync failure in orders-db' });
  });

  it('refuses an async decorated handler before it runs when the scope is missing', async () => {
    const token = await issuer.sign({ scope: 'orders:write' });
    const res = await request(served.url).get('/decorated-async-error').set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(403);
  });
});

describe('decorated methods behind requireAuth', () => {
  it('reuse req.auth set by requireAuth (one verification) and hand the 403 to a custom error handler', async () => {
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
    const app = express5();
    app.use(requireAuth(counting));
    app.get('/decorated', controller.list);
    app.use(((err, _req, res, _next) => {
      seen.push(err);
      res.status(418).end();
    }) as ErrorRequestHandler);
    const served = await serve(app);
    try {
      const ok = await request(served.url).get('/decorated').set('Authorization', `Bearer ${await issuer.sign({ scope: 'orders:read' })}`);
      expect(ok.status).toBe(200);
      expect(authentications).toBe(1);
      const res = await request(served.url).get('/decorated').set('Authorization', `Bearer ${await issuer.sign({ scope: 'x' })}`);
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
      greet(_req: Request, res: Response) {
        res.json({ greeting: this.greeting });
      }
    }
    const app = express5();
    app.get('/hello', new Greeter('hello').greet);
    app.get('/hi', new Greeter('hi').greet);
    const served = await serve(app);
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
