// Without tollgateErrorHandler, Express's own finalhandler still answers with tollgate's status and challenge,
// and a user's own error handler receives tollgate's error classes.
import { createTestIssuer, tamperSignature, type TestIssuer } from '@tollgate/testing';
import express5 from 'express';
import type { ErrorRequestHandler, Express } from 'express';
import express4 from 'express4';
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
  /** `name: description`, the whole of a tollgate error's stack. */
  stack: string;
};

const cases: Case[] = [
  { name: 'no credentials', token: async () => undefined, status: 401, challenge: 'Bearer realm="api"', stack: 'MissingTokenError: bearer token required' },
  {
    name: 'an expired token',
    token: () => issuer.sign({ scope: 'orders:read' }, { expiresIn: -120 }),
    status: 401,
    challenge: 'Bearer realm="api", error="invalid_token", error_description="token expired"',
    stack: 'InvalidTokenError: token expired',
  },
  {
    name: 'a token with a broken signature',
    token: async () => tamperSignature(await issuer.sign({ scope: 'orders:read' })),
    status: 401,
    challenge: 'Bearer realm="api", error="invalid_token", error_description="invalid signature"',
    stack: 'InvalidTokenError: invalid signature',
  },
  {
    name: 'a token for another audience',
    token: () => issuer.sign({ scope: 'orders:read', aud: 'https://other.example.test' }),
    status: 401,
    challenge: 'Bearer realm="api", error="invalid_token", error_description="audience mismatch"',
    stack: 'InvalidTokenError: audience mismatch',
  },
  {
    name: 'another authorization scheme',
    token: () => issuer.sign({ scope: 'orders:read' }),
    authorization: (token) => `Basic ${token}`,
    status: 400,
    challenge: 'Bearer realm="api", error="invalid_request", error_description="unsupported authorization scheme; use Bearer"',
    stack: 'InvalidRequestError: unsupported authorization scheme; use Bearer',
  },
  {
    name: 'a valid token without the scope',
    token: () => issuer.sign({ scope: 'orders:write' }),
    status: 403,
    challenge: 'Bearer realm="api", error="insufficient_scope", error_description="token lacks a required scope", scope="orders:read"',
    stack: 'InsufficientScopeError: token lacks a required scope',
  },
];

const frameworks: [string, () => Express][] = [
  ['Express 5', () => express5()],
  ['Express 4', () => (express4 as unknown as typeof express5)()],
];

describe.each(frameworks)('%s without a tollgate error handler', (_name, createApp) => {
  let served: Served;

  beforeAll(async () => {
    const app = createApp();
    app.use(requireAuth(optionsFor(issuer)));
    app.get('/orders', requireScope('orders:read'), (_req, res) => {
      res.json({ ok: true });
    });
    served = await serve(app);
  });
  afterAll(async () => {
    await served.close();
  });

  it.each(cases)('answers $name with status $status and the challenge, through finalhandler', async (c) => {
    const token = await c.token();
    const call = request(served.url).get('/orders');
    if (token !== undefined) call.set('Authorization', c.authorization ? c.authorization(token) : `Bearer ${token}`);
    const res = await call;
    expect(res.status).toBe(c.status);
    expect(res.headers['www-authenticate']).toBe(c.challenge);
    // finalhandler prints err.stack outside production; tollgate's stack is only "Name: description".
    expect(res.text).toContain(`<pre>${c.stack}</pre>`);
    expect(leaks(res.text, token)).toEqual([]);
  });

  it('lets a request with the scope through', async () => {
    const token = await issuer.sign({ scope: 'orders:read' });
    const res = await request(served.url).get('/orders').set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true });
  });
});

describe.each(frameworks)('%s with the user\'s own error handler', (_name, createApp) => {
  let served: Served;
  const seen: unknown[] = [];

  beforeAll(async () => {
    const app = createApp();
    app.use(requireAuth(optionsFor(issuer)));
    app.get('/orders', requireScope('orders:read'), (_req, res) => {
      res.json({ ok: true });
    });
    const handler: ErrorRequestHandler = (err, _req, res, _next) => {
      seen.push(err);
      if (err instanceof TollgateError) {
        res.status(err.status).set(err.headers).json({ handledBy: 'user', code: err.code ?? null });
        return;
      }
      res.status(500).json({ handledBy: 'user', code: 'other' });
    };
    app.use(handler);
    served = await serve(app);
  });
  afterAll(async () => {
    await served.close();
  });

  it('receives an InvalidTokenError with status 401 and the WWW-Authenticate header', async () => {
    seen.length = 0;
    const token = await issuer.sign({ scope: 'orders:read' }, { expiresIn: -120 });
    const res = await request(served.url).get('/orders').set('Authorization', `Bearer ${token}`);
    expect(seen).toHaveLength(1);
    const err = seen[0];
    expect(err).toBeInstanceOf(InvalidTokenError);
    expect(err).toBeInstanceOf(TollgateError);
    const invalid = err as InvalidTokenError;
    expect(invalid.status).toBe(401);
    expect(invalid.statusCode).toBe(401);
    expect(invalid.code).toBe('invalid_token');
    expect(invalid.reason).toBe('expired');
    expect(invalid.headers).toEqual({ 'WWW-Authenticate': 'Bearer realm="api", error="invalid_token", error_description="token expired"', 'Cache-Control': 'no-store' });
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="api", error="invalid_token", error_description="token expired"');
    expect(res.body).toEqual({ handledBy: 'user', code: 'invalid_token' });
  });

  it('receives an InsufficientScopeError, which an InvalidTokenError check does not catch', async () => {
    seen.length = 0;
    const token = await issuer.sign({ scope: 'orders:write' });
    const res = await request(served.url).get('/orders').set('Authorization', `Bearer ${token}`);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toBeInstanceOf(InsufficientScopeError);
    expect(seen[0]).not.toBeInstanceOf(InvalidTokenError);
    expect((seen[0] as InsufficientScopeError).status).toBe(403);
    expect(res.status).toBe(403);
    expect(res.headers['www-authenticate']).toBe(
      'Bearer realm="api", error="insufficient_scope", error_description="token lacks a required scope", scope="orders:read"',
    );
    expect(res.body).toEqual({ handledBy: 'user', code: 'insufficient_scope' });
  });
});
