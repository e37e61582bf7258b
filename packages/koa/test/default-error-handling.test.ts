// Without tollgateErrorHandler, Koa's default onerror still answers with tollgate's status and challenge,
// and a user's own try/catch middleware sees tollgate's error classes.
import { createTestIssuer, tamperSignature, type TestIssuer } from '@tollgate/testing';
import Koa3 from 'koa';
import type { Middleware } from 'koa';
import Koa2 from 'koa2';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InsufficientScopeError, InvalidTokenError, requireAuth, requireScope, TollgateError } from '../src/index.js';
import { leaks, optionsFor, serve, type Served } from './support.js';

let issuer: TestIssuer;

beforeAll(async () => {
  issuer = await createTestIssuer();
});
afterAll(async () => {
  await issuer.close();
});

type Case = {
  name: string;
  token: () => Promise<string | undefined>;
  authorization?: (token: string | undefined) => string;
  status: number;
  challenge: string;
  /** Koa's default handler sends `err.message` of an error with `expose: true`. */
  body: string;
};

const cases: Case[] = [
  { name: 'no credentials', token: async () => undefined, status: 401, challenge: 'Bearer realm="api"', body: 'bearer token required' },
  {
    name: 'an expired token',
    token: () => issuer.sign({ scope: 'orders:read' }, { expiresIn: -120 }),
    status: 401,
    challenge: 'Bearer realm="api", error="invalid_token", error_description="token expired"',
    body: 'token expired',
  },
  {
    name: 'a token with a broken signature',
    token: async () => tamperSignature(await issuer.sign({ scope: 'orders:read' })),
    status: 401,
    challenge: 'Bearer realm="api", error="invalid_token", error_description="invalid signature"',
    body: 'invalid signature',
  },
  {
    name: 'a token for another audience',
    token: () => issuer.sign({ scope: 'orders:read', aud: 'https://other.example.test' }),
    status: 401,
    challenge: 'Bearer realm="api", error="invalid_token", error_description="audience mismatch"',
    body: 'audience mismatch',
  },
  {
    name: 'another authorization scheme',
    token: () => issuer.sign({ scope: 'orders:read' }),
    authorization: (token) => `Basic ${token}`,
    status: 400,
    challenge: 'Bearer realm="api", error="invalid_request", error_description="unsupported authorization scheme; use Bearer"',
    body: 'unsupported authorization scheme; use Bearer',
  },
  {
    name: 'a valid token without the scope',
    token: () => issuer.sign({ scope: 'orders:write' }),
    status: 403,
    challenge: 'Bearer realm="api", error="insufficient_scope", error_description="token lacks a required scope", scope="orders:read"',
    body: 'token lacks a required scope',
  },
];

const frameworks: [string, () => Koa3][] = [
  ['Koa 3', () => new Koa3()],
  ['Koa 2', () => new (Koa2 as unknown as typeof Koa3)()],
];

const ok: Middleware = (ctx) => {
  ctx.body = { ok: true };
};

describe.each(frameworks)('%s without a tollgate error handler', (_name, createApp) => {
  let served: Served;

  beforeAll(async () => {
    const app = createApp();
    app.use(requireAuth(optionsFor(issuer)));
    app.use(requireScope('orders:read'));
    app.use(ok);
    served = await serve(app.callback());
  });
  afterAll(async () => {
    await served.close();
  });

  it.each(cases)('answers $name with status $status and the challenge, through the default onerror', async (c) => {
    const token = await c.token();
    const call = request(served.url).get('/orders');
    if (token !== undefined) call.set('Authorization', c.authorization ? c.authorization(token) : `Bearer ${token}`);
    const res = await call;
    expect(res.status).toBe(c.status);
    expect(res.headers['www-authenticate']).toBe(c.challenge);
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(res.text).toBe(c.body);
    expect(leaks(res.text, token)).toEqual([]);
  });

  it('lets a request with the scope through', async () => {
    const token = await issuer.sign({ scope: 'orders:read' });
    const res = await request(served.url).get('/orders').set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true });
  });
});

describe.each(frameworks)("%s with the user's own try/catch middleware", (_name, createApp) => {
  let served: Served;
  const seen: unknown[] = [];

  beforeAll(async () => {
    const app = createApp();
    // The user's error middleware: renders tollgate's 401s itself, rethrows everything else to Koa.
    app.use(async (ctx, next) => {
      try {
        await next();
      } catch (error) {
        seen.push(error);
        if (error instanceof TollgateError && error.status === 401) {
          ctx.status = error.status;
          ctx.set(error.headers);
          ctx.body = { handledBy: 'user', code: error.code ?? null };
          return;
        }
        throw error;
      }
    });
    app.use(requireAuth(optionsFor(issuer)));
    app.use(requireScope('orders:read'));
    app.use(ok);
    served = await serve(app.callback());
  });
  afterAll(async () => {
    await served.close();
  });

  it('catches an InvalidTokenError (a TollgateError) and answers with it', async () => {
    seen.length = 0;
    const token = await issuer.sign({ scope: 'orders:read' }, { expiresIn: -120 });
    const res = await request(served.url).get('/orders').set('Authorization', `Bearer ${token}`);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toBeInstanceOf(TollgateError);
    expect(seen[0]).toBeInstanceOf(InvalidTokenError);
    const err = seen[0] as InvalidTokenError;
    expect(err.status).toBe(401);
    expect(err.code).toBe('invalid_token');
    expect(err.expose).toBe(true);
    expect(err.headers).toEqual({ 'WWW-Authenticate': 'Bearer realm="api", error="invalid_token", error_description="token expired"', 'Cache-Control': 'no-store' });
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="api", error="invalid_token", error_description="token expired"');
    expect(res.body).toEqual({ handledBy: 'user', code: 'invalid_token' });
  });

  it('rethrows an InsufficientScopeError, which Koa then answers with 403 and the challenge', async () => {
    seen.length = 0;
    const token = await issuer.sign({ scope: 'orders:write' });
    const res = await request(served.url).get('/orders').set('Authorization', `Bearer ${token}`);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toBeInstanceOf(InsufficientScopeError);
    expect(seen[0]).not.toBeInstanceOf(InvalidTokenError);
    expect(res.status).toBe(403);
    expect(res.headers['www-authenticate']).toBe(
      'Bearer realm="api", error="insufficient_scope", error_description="token lacks a required scope", scope="orders:read"',
    );
    expect(res.text).toBe('token lacks a required scope');
    expect(leaks(res.text, token)).toEqual([]);
  });
});
