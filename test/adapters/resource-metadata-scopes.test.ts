// scopes_supported (RFC 9728 section 2) is a property of the app's code, never of its traffic: one API's
// document never lists another's scopes, no request writes into it, and Fastify serves one document per path.
import type { Server } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTestIssuer, type TestIssuer } from '@tollgate/testing';
import * as tgExpress from '@tollgate/express';
import { createVerifier, TollgateConfigError } from '@tollgate/core';
import { tollgate } from '@tollgate/fastify';
import express from 'express';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { send } from '../conformance/http.js';

const MCP = 'https://api.example.test/mcp';
const MCP_PATH = '/.well-known/oauth-protected-resource/mcp';

let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await createTestIssuer({ algorithms: ['ES256'] });
});
afterAll(async () => {
  await issuer.close();
});
const verifierFor = (resource: string, extra: object = {}) => createVerifier({ issuer: issuer.issuer, resource, allowInsecureRequests: true, ...extra });

async function serve(app: express.Express, run: (port: number) => Promise<void>): Promise<void> {
  const server: Server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await run((server.address() as AddressInfo).port);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}
const documentAt = async (port: number, path: string) => JSON.parse((await send(port, { method: 'GET', path, headers: [] })).text) as { scopes_supported?: string[] };

// Runs first in this file: configure() is module-wide and the later tests call it.
describe('Express without configure()', () => {
  it("two APIs in one app: neither document lists the other's scopes (standalone guards are nobody's to list)", async () => {
    const A = 'https://api.example.test/orders';
    const B = 'https://api.example.test/payroll';
    const vA = verifierFor(A);
    const vB = verifierFor(B);
    const app = express();
    app.use(tgExpress.protectedResourceMetadata(vA));
    app.use(tgExpress.protectedResourceMetadata(vB));
    app.get('/orders', tgExpress.requireAuth(vA), tgExpress.requireScope('orders:read'), (_q, r) => r.json({}));
    app.get('/payroll', tgExpress.requireAuth(vB), tgExpress.requireScope('payroll:admin'), (_q, r) => r.json({}));
    app.use(tgExpress.tollgateErrorHandler());
    await serve(app, async (port) => {
      const token = await issuer.sign({ aud: B, scope: 'payroll:admin' });
      expect((await send(port, { method: 'GET', path: '/payroll', headers: [['Authorization', `Bearer ${token}`]] })).status).toBe(200);
      const docA = await documentAt(port, '/.well-known/oauth-protected-resource/orders');
      const docB = await documentAt(port, '/.well-known/oauth-protected-resource/payroll');
      expect(docA.scopes_supported).toBeUndefined();
      expect(docB.scopes_supported).toBeUndefined();
    });
  });

  it('guards built per request from request data never reach the public document', async () => {
    const v = verifierFor(MCP);
    const app = express();
    app.use(tgExpress.protectedResourceMetadata(v));
    app.get('/mcp/projects/:id', tgExpress.requireAuth(v, { optional: true }), (req, res, next) => tgExpress.requireScope(`project:${req.params.id}:read`)(req, res, next), (_q, r) => r.json({}));
    app.use(tgExpress.tollgateErrorHandler());
    await serve(app, async (port) => {
      for (let i = 0; i < 3; i++) expect((await send(port, { method: 'GET', path: `/mcp/projects/attacker${i}`, headers: [] })).status).toBe(401);
      expect(JSON.stringify(await documentAt(port, MCP_PATH))).not.toContain('attacker');
    });
  });
});

describe('Express with configure()', () => {
  it('protectedResourceMetadata(options) given the options configure() got lists the scopes its routes require', async () => {
    const options = { issuer: issuer.issuer, resource: MCP, allowInsecureRequests: true };
    tgExpress.configure(options);
    const app = express();
    app.use(tgExpress.protectedResourceMetadata(options));
    app.get('/mcp/orders', tgExpress.requireScope('orders:read'), (_q, r) => r.json({}));
    app.use(tgExpress.tollgateErrorHandler());
    await serve(app, async (port) => {
      // (Standalone guards the tests above declared with no configure() are configure()'s now, as they decide with it.)
      expect((await documentAt(port, MCP_PATH)).scopes_supported).toContain('orders:read');
    });
    // Other options for configure()'s resource would describe a verifier no route uses: a startup error.
    expect(() => tgExpress.protectedResourceMetadata({ ...options })).toThrow(/pass that verifier/);
  });

  it('a guard made after the verifier served a request is not listed, and a warning names it once', async () => {
    const v = verifierFor(MCP);
    tgExpress.configure(v);
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.message);
    process.on('warning', onWarning);
    const app = express();
    app.use(tgExpress.protectedResourceMetadata(v));
    app.get('/mcp/orders', tgExpress.requireAuth(v), tgExpress.requireScope('orders:read'), (_q, r) => r.json({}));
    app.get('/mcp/projects/:id', tgExpress.requireAuth(v, { optional: true }), (req, res, next) => tgExpress.requireScope(`project:${req.params.id}:read`)(req, res, next), (_q, r) => r.json({}));
    app.use(tgExpress.tollgateErrorHandler());
    try {
      await serve(app, async (port) => {
        const before = await documentAt(port, MCP_PATH);
        for (let i = 0; i < 3; i++) await send(port, { method: 'GET', path: `/mcp/projects/attacker${i}`, headers: [] });
        expect(await documentAt(port, MCP_PATH)).toEqual(before);
        expect(before.scopes_supported).toContain('orders:read');
        expect(JSON.stringify(before)).not.toContain('attacker');
      });
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.filter((message) => message.includes('project:attacker0:read'))).toHaveLength(1);
      expect(warnings.join('\n')).not.toContain('attacker1');
    } finally {
      process.off('warning', onWarning);
    }
  });
});

describe('Fastify', () => {
  it('two sibling contexts registering one resource start, and share one document listing both their scopes', async () => {
    const verifier = verifierFor(MCP);
    const app = Fastify();
    app.register(async (child) => {
      await child.register(tollgate, { verifier, optional: true });
      child.get('/mcp/catalog', async () => ({}));
    });
    app.register(async (child) => {
      await child.register(tollgate, { verifier });
      child.get('/mcp/orders', { config: { scopes: ['orders:read'] } }, async () => ({}));
    });
    await app.ready();
    try {
      const response = await app.inject({ url: MCP_PATH });
      expect(response.statusCode).toBe(200);
      expect(JSON.parse(response.body).scopes_supported).toEqual(['orders:read']);
    } finally {
      await app.close();
    }
  });

  it('two different documents for one path are a startup error naming both', async () => {
    const app = Fastify();
    app.register(async (child) => {
      await child.register(tollgate, { verifier: verifierFor(MCP, { metadata: { resourceName: 'One' } }) });
    });
    app.register(async (child) => {
      await child.register(tollgate, { verifier: verifierFor(MCP, { metadata: { resourceName: 'Two' } }) });
    });
    const error: unknown = await app.ready().then(() => undefined, (failure: unknown) => failure);
    expect(error).toBeInstanceOf(TollgateConfigError);
    expect((error as Error).message).toMatch(/the first for "https:\/\/api\.example\.test\/mcp", the second for .*differ in resource_name/);
    await app.close().catch(() => undefined);
  });

  it('the document stays public when the root registers tollgate after a child did', async () => {
    const app = Fastify();
    await app.register(async (child) => {
      await child.register(tollgate, { verifier: verifierFor(MCP) });
      child.get('/mcp', async () => ({}));
    });
    await app.register(tollgate, { verifier: createVerifier({ issuer: issuer.issuer, audience: 'https://api.example.test/', allowInsecureRequests: true }) });
    app.get('/other', async () => ({}));
    await app.ready();
    try {
      expect((await app.inject({ url: MCP_PATH })).statusCode).toBe(200);
      expect((await app.inject({ url: '/other' })).statusCode).toBe(401);
    } finally {
      await app.close();
    }
  });

  it("lists fastify.requireScope hooks' scopes from the start, the same after requests", async () => {
    const verifier = verifierFor(MCP);
    const app = Fastify();
    await app.register(tollgate, { verifier });
    app.get('/mcp/orders', { config: { scopes: ['orders:read'] } }, async () => ({}));
    app.post('/mcp/orders', { preHandler: app.requireScope('orders:write') }, async () => ({}));
    await app.ready();
    try {
      const before = JSON.parse((await app.inject({ url: MCP_PATH })).body).scopes_supported;
      expect(before).toEqual(['orders:read', 'orders:write']);
      const token = await issuer.sign({ aud: MCP, scope: 'orders:read' });
      expect((await app.inject({ method: 'POST', url: '/mcp/orders', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(403);
      expect(JSON.parse((await app.inject({ url: MCP_PATH })).body).scopes_supported).toEqual(before);
    } finally {
      await app.close();
    }
  });
});
