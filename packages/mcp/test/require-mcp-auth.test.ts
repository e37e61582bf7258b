import { createVerifier, TollgateConfigError, type Verifier } from '@tollgate/core';
import { createTestIssuer, type TestIssuer } from '@tollgate/testing';
import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { accessTokenOf, requireMcpAuth } from '../src/index.js';
import { call, post, rpc, sdkClient, seen, serve } from './support.js';

const RESOURCE = 'https://mcp.example.test/mcp';
let issuer: TestIssuer;
let verifier: Verifier;
let server: Awaited<ReturnType<typeof serve>>;

beforeAll(async () => {
  issuer = await createTestIssuer({ algorithms: ['ES256'] });
  verifier = createVerifier({ issuer: issuer.issuer, audience: RESOURCE, allowInsecureRequests: true });
  server = await serve([requireMcpAuth(verifier)]);
});
afterAll(async () => {
  await server?.close();
  await issuer?.close();
});
beforeEach(() => {
  seen.length = 0;
});

const sign = (claims: Record<string, unknown> = {}) => issuer.sign({ aud: RESOURCE, client_id: 'agent', scope: 'orders:read', ...claims });

describe('requireMcpAuth in front of the SDK transport', () => {
  it('the SDK client lists and calls tools; the tool gets the SDK AuthInfo of the verified token', async () => {
    const token = await sign({ tenant: 'acme' });
    const client = await sdkClient(server.url, token);
    try {
      expect((await client.listTools()).tools.map((tool) => tool.name)).toContain('list_orders');
      const result = await client.callTool({ name: 'list_orders', arguments: {} });
      expect(result.content).toEqual([{ type: 'text', text: JSON.stringify({ tool: 'list_orders', client: 'agent' }) }]);
    } finally {
      await client.close();
    }
    expect(seen).toHaveLength(1);
    const info = seen[0]!;
    expect(info).toMatchObject({ token, clientId: 'agent', scopes: ['orders:read'], resource: new URL(RESOURCE) });
    expect(info.expiresAt).toBe(Math.floor(info.expiresAt!));
    expect(Math.abs(info.expiresAt! - (Date.now() / 1000 + 300))).toBeLessThan(5);
    expect(info.extra).toMatchObject({ tenant: 'acme', iss: issuer.issuer, sub: expect.any(String) });
    // Frozen: a tool cannot widen what it was given.
    expect(Object.isFrozen(info) && Object.isFrozen(info.scopes)).toBe(true);
    // tollgate's own AccessToken behind it.
    expect(accessTokenOf(info)?.clientId).toBe('agent');
  });

  it('no token: 401 with a bare challenge, no error code (RFC 6750 section 3.1)', async () => {
    const answer = await post(server.url, rpc('tools/list'));
    expect(answer.status).toBe(401);
    expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer realm="[^"]*"$/);
    expect(answer.headers.get('cache-control')).toBe('no-store');
  });

  it('a bad token: 401 invalid_token; the SDK client gets the 401', async () => {
    for (const token of [await sign({ aud: 'https://mcp.example.test/mcp2' }), await sign({ exp: Math.floor(Date.now() / 1000) - 60 }), 'not-a-jwt']) {
      const answer = await post(server.url, call('list_orders'), token);
      expect(answer.status).toBe(401);
      expect(answer.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
    }
    const client = await sdkClient(server.url, await sign({ aud: 'https://other.example.test' })).catch((error: unknown) => error);
    expect(client).toBeInstanceOf(StreamableHTTPError);
    expect((client as StreamableHTTPError).code).toBe(401);
    expect(seen).toHaveLength(0);
  });

  it('a token for a sibling resource is refused: /mcp2, another port, another case', async () => {
    for (const aud of ['https://mcp.example.test/mcp2', 'https://mcp.example.test:8443/mcp', 'https://MCP.example.test/mcp', 'https://mcp.example.test/MCP']) {
      expect((await post(server.url, rpc('tools/list'), await sign({ aud }))).status).toBe(401);
    }
  });

  it('scopes: 403 insufficient_scope naming them', async () => {
    const scoped = await serve([requireMcpAuth(verifier, { scopes: ['mcp'] })]);
    try {
      const answer = await post(scoped.url, rpc('tools/list'), await sign());
      expect(answer.status).toBe(403);
      expect(answer.headers.get('www-authenticate')).toMatch(/error="insufficient_scope".*scope="mcp"/);
      expect((await post(scoped.url, rpc('tools/list'), await sign({ scope: 'mcp' }))).status).toBe(200);
      // A 401 names them too, so a client asks for them (the MCP spec's scope selection).
      expect((await post(scoped.url, rpc('tools/list'))).headers.get('www-authenticate')).toMatch(/^Bearer realm="[^"]*", scope="mcp"$/);
      expect((await post(scoped.url, rpc('tools/list'), 'bad')).headers.get('www-authenticate')).toMatch(/error="invalid_token".*scope="mcp"/);
    } finally {
      await scoped.close();
    }
  });

  it('the issuer\'s keys unreachable: 503 with Retry-After, never the SDK\'s 500', async () => {
    const down = await createTestIssuer({ algorithms: ['ES256'] });
    const app = await serve([requireMcpAuth({ issuer: down.issuer, audience: RESOURCE, allowInsecureRequests: true })]);
    try {
      const token = await down.sign({ aud: RESOURCE });
      down.setFault({ kind: 'error', status: 500 });
      const answer = await post(app.url, call('list_orders'), token);
      expect(answer.status).toBe(503);
      expect(Number(answer.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(JSON.stringify(answer.body)).not.toContain(token);
    } finally {
      await app.close();
      await down.close();
    }
  });

  it('startup: token transports MCP forbids, an empty scope list, contradictions and wrong types are configuration errors', () => {
    const options = { issuer: issuer.issuer, audience: RESOURCE, allowInsecureRequests: true };
    expect(() => requireMcpAuth({ ...options, allowQuery: true } as never)).toThrow(/allowQuery is not allowed/);
    expect(() => requireMcpAuth(verifier, { allowBody: true } as never)).toThrow(/allowBody is not allowed/);
    expect(() => requireMcpAuth(verifier, { scopes: [] })).toThrow(TollgateConfigError);
    expect(() => requireMcpAuth(verifier, { scopes: 'mcp' as never })).toThrow(/scopes must be an array/);
    expect(() => requireMcpAuth(verifier, { scopes: ['a b'] })).toThrow(/not a valid scope/);
    expect(() => requireMcpAuth({ ...options, scopes: ['a'] }, { scopes: ['b'] })).toThrow(/given twice/);
    expect(() => requireMcpAuth(verifier, { render: 'json' as never })).toThrow(/render must be a function/);
    expect(() => requireMcpAuth({ ...options, audience: undefined } as never)).toThrow(TollgateConfigError);
    expect(() => requireMcpAuth(verifier, null as never)).toThrow(TollgateConfigError);
    // Scopes given inside the options object are this middleware's, not the verifier's.
    expect(() => requireMcpAuth({ ...options, scopes: ['mcp'] })).not.toThrow();
  });
});
