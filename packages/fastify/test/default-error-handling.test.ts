// Without tollgateErrorHandler, Fastify's default error handler still answers with tollgate's status and
// challenge, and a user's setErrorHandler receives tollgate's error classes.
import { createTestIssuer, tamperSignature, type TestIssuer } from '@tollgate/testing';
import fastify5 from 'fastify';
import type { FastifyInstance } from 'fastify';
import fastify4 from 'fastify4';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InsufficientScopeError, InvalidTokenError, tollgate, TollgateError } from '../src/index.js';
import { leaks, optionsFor } from './support.js';

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
  /** Fastify's default error body. */
  body: Record<string, unknown>;
};

const cases: Case[] = [
  {
    name: 'no credentials',
    token: async () => undefined,
    status: 401,
    challenge: 'Bearer realm="api"',
    body: { statusCode: 401, error: 'Unauthorized', message: 'bearer token required' },
  },
  {
    name: 'an expired token',
    token: () => issuer.sign({ scope: 'orders:read' }, { expiresIn: -120 }),
    status: 401,
    challenge: 'Bearer realm="api", error="invalid_token", error_description="token expired"',
    body: { statusCode: 401, code: 'invalid_token', error: 'Unauthorized', message: 'token expired' },
  },
  {
    name: 'a token with a broken signature',
    token: async () => tamperSignature(await issuer.sign({ scope: 'orders:read' })),
    status: 401,
    challenge: 'Bearer realm="api", error="invalid_token", error_description="invalid signature"',
    body: { statusCode: 401, code: 'invalid_token', error: 'Unauthorized', message: 'invalid signature' },
  },
  {
    name: 'a token for another audience',
    token: () => issuer.sign({ scope: 'orders:read', aud: 'https://other.example.test' }),
    status: 401,
    challenge: 'Bearer realm="api", error="invalid_token", error_description="audience mismatch"',
    body: { statusCode: 401, code: 'invalid_token', error: 'Unauthorized', message: 'audience mismatch' },
  },
  {
    name: 'another authorization scheme',
    token: () => issuer.sign({ scope: 'orders:read' }),
    authorization: (token) => `Basic ${token}`,
    status: 400,
    challenge: 'Bearer realm="api", error="invalid_request", error_description="unsupported authorization scheme; use Bearer"',
    body: { statusCode: 400, code: 'invalid_request', error: 'Bad Request', message: 'unsupported authorization scheme; use Bearer' },
  },
  {
    name: 'a valid token without the scope',
    token: () => issuer.sign({ scope: 'orders:write' }),
    status: 403,
    challenge: 'Bearer realm="api", error="insufficient_scope", error_description="token lacks a required scope", scope="orders:read"',
    body: { statusCode: 403, code: 'insufficient_scope', error: 'Forbidden', message: 'token lacks a required scope' },
  },
];

const frameworks: [string, () => FastifyInstance][] = [
  ['Fastify 5', () => fastify5()],
  ['Fastify 4', () => (fastify4 as unknown as typeof fastify5)()],
];

describe.each(frameworks)('%s without a tollgate error handler', (_name, createApp) => {
  let app: FastifyInstance;
  let url: string;

  beforeAll(async () => {
    app = createApp();
    await app.register(tollgate, optionsFor(issuer));
    app.get('/orders', { config: { scopes: ['orders:read'] } }, async () => ({ ok: true }));
    url = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await app.close();
  });

  it.each(cases)('answers $name with status $status and the challenge, through the default error handler', async (c) => {
    const token = await c.token();
    const call = request(url).get('/orders');
    if (token !== undefined) call.set('Authorization', c.authorization ? c.authorization(token) : `Bearer ${token}`);
    const res = await call;
    expect(res.status).toBe(c.status);
    expect(res.headers['www-authenticate']).toBe(c.challenge);
    expect(res.body).toEqual(c.body);
    expect(leaks(res.text, token)).toEqual([]);
  });

  it('lets a request with the scope through', async () => {
    const token = await issuer.sign({ scope: 'orders:read' });
    const res = await request(url).get('/orders').set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true });
  });
});

describe.each(frameworks)("%s with the user's setErrorHandler", (_name, createApp) => {
  let app: FastifyInstance;
  let url: string;
  const seen: unknown[] = [];

  beforeAll(async () => {
    app = createApp();
    app.setErrorHandler((error, _request, reply) => {
      seen.push(error);
      if (error instanceof TollgateError) {
        return reply.code(error.statusCode).headers(error.headers).send({ handledBy: 'user', code: error.code ?? null });
      }
      return reply.code(500).send({ handledBy: 'user', code: 'other' });
    });
    await app.register(tollgate, optionsFor(issuer));
    app.get('/orders', { config: { scopes: ['orders:read'] } }, async () => ({ ok: true }));
    url = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await app.close();
  });

  it('receives an InvalidTokenError with statusCode 401 and the WWW-Authenticate header', async () => {
    seen.length = 0;
    const token = await issuer.sign({ scope: 'orders:read' }, { expiresIn: -120 });
    const res = await request(url).get('/orders').set('Authorization', `Bearer ${token}`);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toBeInstanceOf(InvalidTokenError);
    expect(seen[0]).toBeInstanceOf(TollgateError);
    const err = seen[0] as InvalidTokenError;
    expect(err.statusCode).toBe(401);
    expect(err.status).toBe(401);
    expect(err.code).toBe('invalid_token');
    expect(err.headers).toEqual({ 'WWW-Authenticate': 'Bearer realm="api", error="invalid_token", error_description="token expired"', 'Cache-Control': 'no-store' });
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="api", error="invalid_token", error_description="token expired"');
    expect(res.body).toEqual({ handledBy: 'user', code: 'invalid_token' });
  });

  it('receives an InsufficientScopeError with statusCode 403', async () => {
    seen.length = 0;
    const token = await issuer.sign({ scope: 'orders:write' });
    const res = await request(url).get('/orders').set('Authorization', `Bearer ${token}`);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toBeInstanceOf(InsufficientScopeError);
    expect(seen[0]).not.toBeInstanceOf(InvalidTokenError);
    expect((seen[0] as InsufficientScopeError).statusCode).toBe(403);
    expect(res.status).toBe(403);
    expect(res.headers['www-authenticate']).toBe(
      'Bearer realm="api", error="insufficient_scope", error_description="token lacks a required scope", scope="orders:read"',
    );
    expect(res.body).toEqual({ handledBy: 'user', code: 'insufficient_scope' });
  });
});
