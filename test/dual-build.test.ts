// A process that loads both builds of an adapter (ESM by import, CommonJS by require: a CommonJS helper, a test
// runner) fails closed wherever the two meet: a route served by one copy's Fastify plugin and guarded by the other
// copy's @RequireScope is refused with a configuration error, never checked against that copy's configure().
import Fastify from 'fastify';
import { createRequire } from 'node:module';
import { afterEach, expect, it } from 'vitest';
import * as esm from '@tollgate/fastify';
import type { FastifyRequest } from 'fastify';
import { useIssuer } from './support/issuer.js';

const cjs = createRequire(import.meta.url)('@tollgate/fastify') as typeof esm;
const issuer = useIssuer();
const API_A = 'https://a.example.test';
const API_B = 'https://b.example.test';
const apps: Array<{ close(): Promise<unknown> }> = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

// The ESM build's decorator, applied by hand (Node 20 runs no decorator syntax).
const context = { kind: 'method', name: 'list', private: false, static: false, addInitializer() {} } as unknown as ClassMethodDecoratorContext;
const list = esm.RequireScope('orders:read')(async function list(request: FastifyRequest) {
  return { audience: request.auth?.audience ?? null };
}, context);

it('loads two copies: the CommonJS build is not the ESM build', () => {
  expect(cjs.tollgate).not.toBe(esm.tollgate);
});

it("a decorator of one build on a route the other build's plugin serves is a 500 configuration error, for every token", async () => {
  esm.configure({ ...issuer.options(), audience: API_B });
  const app = Fastify();
  apps.push(app);
  await app.register(async (api) => {
    await api.register(cjs.tollgate, { ...issuer.options(), audience: API_A, global: false });
    api.get('/a/orders', list);
  });
  for (const audience of [API_A, API_B]) {
    const res = await app.inject({ url: '/a/orders', headers: { authorization: await issuer.bearer({ aud: audience, scope: 'orders:read' }) } });
    expect(res.statusCode, audience).toBe(500);
    expect(res.json().message).toContain('another copy of @tollgate/fastify');
  }
});

it('the same wiring with one build goes by the registration serving the route', async () => {
  const app = Fastify();
  apps.push(app);
  await app.register(async (api) => {
    await api.register(esm.tollgate, { ...issuer.options(), audience: API_A, global: false });
    api.get('/a/orders', list);
  });
  const forA = await app.inject({ url: '/a/orders', headers: { authorization: await issuer.bearer({ aud: API_A, scope: 'orders:read' }) } });
  expect(forA.json()).toEqual({ audience: [API_A] });
  const forB = await app.inject({ url: '/a/orders', headers: { authorization: await issuer.bearer({ aud: API_B, scope: 'orders:read' }) } });
  expect(forB.statusCode).toBe(401);
});

it('registering both builds in one context is refused', async () => {
  const app = Fastify();
  apps.push(app);
  await app.register(esm.tollgate, issuer.options());
  await expect(app.register(cjs.tollgate, issuer.options()).ready()).rejects.toThrow(/registered twice in the same context/);
});
