// RFC 9728 metadata, resource_metadata challenges, scope hierarchies and step-up (RFC 9470) on every
// adapter: real apps on 127.0.0.1, real tokens from the local test issuer, raw request paths.
import type { Server } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTestIssuer, type TestIssuer } from '@tollgate/testing';
import * as tgExpress from '@tollgate/express';
import * as tgKoa from '@tollgate/koa';
import * as tgHono from '@tollgate/hono';
import { tollgate } from '@tollgate/fastify';
import { createAdaptorServer } from '@hono/node-server';
import type { Verifier, VerifierOptions } from '@tollgate/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { send } from '../conformance/http.js';

const RESOURCE = 'https://api.example.test/mcp';
const METADATA_PATH = '/.well-known/oauth-protected-resource/mcp';
const METADATA_URL = `https://api.example.test${METADATA_PATH}`;
const NOW = Math.floor(Date.now() / 1000);

let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await createTestIssuer({ algorithms: ['ES256'], audience: RESOURCE });
});
afterAll(async () => {
  await issuer.close();
});

const verifierOptions = (): VerifierOptions => ({
  issuer: issuer.issuer,
  resource: RESOURCE,
  allowInsecureRequests: true,
  realm: 'mcp',
  metadata: { resourceName: 'Test MCP' },
  scopeHierarchy: { implies: { 'orders:admin': ['orders:read'] }, wildcards: true },
});

/** What every app serves: the metadata, /mcp (tools:call), /mcp/orders (orders:read), /mcp/admin (step-up). */
type AppFactory = (verifier: Verifier) => Promise<Server> | Server;

const listen = async (server: Server): Promise<number> => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
};

const expressApp =
  (load: () => Promise<unknown>): AppFactory =>
  async (verifier) => {
    const express = (await load()) as typeof import('express');
    const { protectedResourceMetadata, requireAuth, requireScope, requireStepUp, tollgateErrorHandler } = tgExpress;
    // Standalone requireScope guards are this verifier's (scopes_supported) because configure() names it.
    tgExpress.configure(verifier);
    const app = express();
    app.use(protectedResourceMetadata(verifier));
    const auth = requireAuth(verifier);
    app.get('/mcp/orders', auth, requireScope('orders:read'), (_req, res) => res.json({ ok: 'orders' }));
    app.get('/mcp/admin', auth, requireStepUp({ acrValues: ['phr'], maxAge: 300 }), (_req, res) => res.json({ ok: 'admin' }));
    app.get('/mcp', auth, requireScope('tools:call'), (_req, res) => res.json({ ok: 'mcp' }));
    app.use(tollgateErrorHandler());
    return createServer(app);
  };

const koaApp =
  (load: () => Promise<unknown>): AppFactory =>
  async (verifier) => {
    const Koa = (await load()) as typeof import('koa');
    const Router = (await import('@koa/router')).default;
    const { protectedResourceMetadata, requireAuth, requireScope, requireStepUp, tollgateErrorHandler } = tgKoa;
    // Standalone requireScope guards are this verifier's (scopes_supported) because configure() names it.
    tgKoa.configure(verifier);
    const app = new Koa();
    app.use(tollgateErrorHandler());
    app.use(protectedResourceMetadata(verifier));
    const router = new Router();
    const auth = requireAuth(verifier);
    router.get('/mcp/orders', auth, requireScope('orders:read'), (ctx) => {
      ctx.body = { ok: 'orders' };
    });
    router.get('/mcp/admin', auth, requireStepUp({ acrValues: ['phr'], maxAge: 300 }), (ctx) => {
      ctx.body = { ok: 'admin' };
    });
    router.get('/mcp', auth, requireScope('tools:call'), (ctx) => {
      ctx.body = { ok: 'mcp' };
    });
    app.use(router.routes());
    return createServer(app.callback());
  };

const fastifyApp =
  (load: () => Promise<unknown>): AppFactory =>
  async (verifier) => {
    const Fastify = (await load()) as typeof import('fastify').default;
    const app = Fastify();
    // A prefixed context: the well-known route still lives at the root (RFC 9728 section 3.1).
    await app.register(
      async (api) => {
        await api.register(tollgate, { verifier });
        api.get('/orders', { config: { scopes: ['orders:read'] } }, async () => ({ ok: 'orders' }));
        api.get('/admin', { config: { stepUp: { acrValues: ['phr'], maxAge: 300 } } }, async () => ({ ok: 'admin' }));
        api.get('/', { config: { scopes: ['tools:call'] } }, async () => ({ ok: 'mcp' }));
      },
      { prefix: '/mcp' },
    );
    await app.ready();
    return app.server;
  };

/** The plugin registered at the root (global): the metadata route is public there, every other route guarded. */
const fastifyRootApp: AppFactory = async (verifier) => {
  const Fastify = (await import('fastify')).default;
  const app = Fastify();
  await app.register(tollgate, { verifier });
  app.get('/mcp/orders', { config: { scopes: ['orders:read'] } }, async () => ({ ok: 'orders' }));
  app.get('/mcp/admin', { config: { stepUp: { acrValues: ['phr'], maxAge: 300 } } }, async () => ({ ok: 'admin' }));
  app.get('/mcp', { config: { scopes: ['tools:call'] } }, async () => ({ ok: 'mcp' }));
  await app.ready();
  return app.server;
};

const honoApp: AppFactory = async (verifier) => {
  const { Hono } = await import('hono');
  const { protectedResourceMetadata, requireAuth, requireScope, requireStepUp, tollgateErrorHandler } = tgHono;
    // Standalone requireScope guards are this verifier's (scopes_supported) because configure() names it.
    tgHono.configure(verifier);
  const app = new Hono();
  app.onError(tollgateErrorHandler());
  app.use(protectedResourceMetadata(verifier));
  const auth = requireAuth(verifier);
  app.get('/mcp/orders', auth, requireScope('orders:read'), (c) => c.json({ ok: 'orders' }));
  app.get('/mcp/admin', auth, requireStepUp({ acrValues: ['phr'], maxAge: 300 }), (c) => c.json({ ok: 'admin' }));
  app.get('/mcp', auth, requireScope('tools:call'), (c) => c.json({ ok: 'mcp' }));
  return createAdaptorServer({ fetch: app.fetch }) as Server;
};

const frameworks: Array<[string, AppFactory]> = [
  ['fastify5', fastifyApp(async () => (await import('fastify')).default)],
  ['fastify4', fastifyApp(async () => (await import('fastify4')).default)],
  ['fastify5 (plugin at the root)', fastifyRootApp],
  ['hono', honoApp],
  ['express5', expressApp(async () => (await import('express')).default)],
  ['express4', expressApp(async () => (await import('express4')).default)],
  ['koa3', koaApp(async () => (await import('koa')).default)],
  ['koa2', koaApp(async () => (await import('koa2')).default)],
];

// Before the apps below call configure(): it checks protectedResourceMetadata() without one.
describe('protectedResourceMetadata fails closed at startup', () => {
  it('without resource, with metadata: false, and without a verifier or configure()', () => {
    expect(() => tgExpress.protectedResourceMetadata({ issuer: issuer.issuer, audience: RESOURCE, allowInsecureRequests: true })).toThrow(tgExpress.TollgateConfigError);
    expect(() => tgKoa.protectedResourceMetadata({ ...verifierOptions(), metadata: false })).toThrow(/metadata: false/);
    expect(() => tgKoa.protectedResourceMetadata()).toThrow(/has no verifier/);
  });
});

describe.each(frameworks)('%s', (_, factory) => {
  let server: Server;
  let port: number;
  let verifier: Verifier;
  beforeAll(async () => {
    verifier = tgExpress.createVerifier(verifierOptions());
    server = await factory(verifier);
    port = await listen(server);
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });
  const get = (path: string, token?: string, method = 'GET') => send(port, { method, path, headers: token ? [['Authorization', `Bearer ${token}`]] : [] });

  it('serves the metadata document at the path-suffixed well-known URL', async () => {
    const response = await get(METADATA_PATH);
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.headers['access-control-allow-origin']).toBe('*');
    expect(response.headers['cache-control']).toBe('public, max-age=3600');
    expect(JSON.parse(response.text)).toEqual({
      resource: RESOURCE,
      authorization_servers: [issuer.issuer],
      scopes_supported: ['orders:read', 'tools:call'],
      bearer_methods_supported: ['header'],
      dpop_signing_alg_values_supported: verifier.options.dpop!.algorithms,
      dpop_bound_access_tokens_required: false,
      resource_name: 'Test MCP',
    });
  });

  it('answers OPTIONS with 204 and POST with 405, both with Allow', async () => {
    const preflight = await send(port, { method: 'OPTIONS', path: METADATA_PATH, headers: [['Origin', 'https://client.example'], ['Access-Control-Request-Method', 'GET']] });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.allow).toBe('GET, HEAD, OPTIONS');
    expect(preflight.headers['access-control-allow-origin']).toBe('*');
    const post = await get(METADATA_PATH, undefined, 'POST');
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD, OPTIONS');
  });

  it.each([
    '/.well-known/oauth-protected-resource',
    '/.well-known/oauth-protected-resource/mcp/',
    '/.well-known/oauth-protected-resource/MCP',
    '/.well-known/oauth-protected-resource/x/../mcp',
    '/.well-known/oauth-protected-resource/%2e%2e/oauth-protected-resource/mcp',
    '/.well-known/oauth-protected-resource%2Fmcp',
    '/.well-known/oauth-protected-resource/mcp%2F',
    '/.well-known/oauth-protected-resource/mcp2',
    '/.well-known/oauth-protected-resource//mcp',
  ])('never serves the document at %s', async (path) => {
    const response = await get(path);
    // 404, or 401 where a guard covers every path (Fastify's plugin at the root): never the document.
    expect([401, 404]).toContain(response.status);
    expect(response.text).not.toContain('authorization_servers');
  });

  it('points to the metadata from the 401 without a token (no error code)', async () => {
    const response = await get('/mcp');
    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toMatch(new RegExp(`^Bearer realm="mcp", resource_metadata="${METADATA_URL}"(, DPoP |$)`));
  });

  it('refuses tokens for a sibling resource, another port or another case, pointing to the metadata', async () => {
    for (const aud of ['https://api.example.test/mcp2', 'https://api.example.test:8443/mcp', 'https://API.EXAMPLE.TEST/mcp', 'https://api.example.test/MCP']) {
      const response = await get('/mcp', await issuer.sign({ aud, scope: 'tools:call' }));
      expect(response.status).toBe(401);
      expect(response.headers['www-authenticate']).toContain('error="invalid_token"');
      expect(response.headers['www-authenticate']).toContain(`resource_metadata="${METADATA_URL}"`);
    }
  });

  it('answers 403 insufficient_scope naming the scope and the metadata', async () => {
    const response = await get('/mcp', await issuer.sign({ scope: 'tools:list' }));
    expect(response.status).toBe(403);
    expect(response.headers['www-authenticate']).toContain(`error="insufficient_scope"`);
    expect(response.headers['www-authenticate']).toContain(`scope="tools:call", resource_metadata="${METADATA_URL}"`);
    expect((await get('/mcp', await issuer.sign({ scope: 'tools:call' }))).status).toBe(200);
  });

  it('honours the scope hierarchy: implies and wildcards', async () => {
    expect((await get('/mcp/orders', await issuer.sign({ scope: 'orders:admin' }))).status).toBe(200);
    expect((await get('/mcp/orders', await issuer.sign({ scope: 'orders:*' }))).status).toBe(200);
    expect((await get('/mcp/orders', await issuer.sign({ scope: 'orders:write' }))).status).toBe(403);
  });

  it('steps up: 401 insufficient_user_authentication with acr_values and max_age unless acr and auth_time fit', async () => {
    expect((await get('/mcp/admin', await issuer.sign({ acr: 'phr', auth_time: NOW - 10 }))).status).toBe(200);
    for (const claims of [{}, { acr: 'pwd', auth_time: NOW }, { acr: 'phr' }, { acr: 'phr', auth_time: NOW - 1000 }, { acr: 'phr', auth_time: NOW + 600 }]) {
      const response = await get('/mcp/admin', await issuer.sign(claims));
      expect(response.status).toBe(401);
      expect(response.headers['www-authenticate']).toContain('error="insufficient_user_authentication"');
      expect(response.headers['www-authenticate']).toContain(`acr_values="phr", max_age=300, resource_metadata="${METADATA_URL}"`);
    }
  });
});

describe('Fastify with forgiving router options', () => {
  it('never serves the document at a path the router forgives (trailing or doubled slash, case)', async () => {
    const Fastify = (await import('fastify')).default;
    const app = Fastify({ ignoreTrailingSlash: true, ignoreDuplicateSlashes: true, caseSensitive: false });
    await app.register(tollgate, { ...verifierOptions(), global: false });
    await app.ready();
    try {
      expect((await app.inject({ url: METADATA_PATH })).statusCode).toBe(200);
      for (const url of [`${METADATA_PATH}/`, '/.well-known//oauth-protected-resource/mcp', '/.well-known/oauth-protected-resource/MCP', '/.WELL-KNOWN/oauth-protected-resource/mcp']) {
        const response = await app.inject({ url });
        expect(response.statusCode, url).toBe(404);
        expect(response.body).not.toContain('authorization_servers');
      }
    } finally {
      await app.close();
    }
  });
});
