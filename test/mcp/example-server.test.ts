// examples/mcp/mcp-server.ts with the MCP SDK's own client and OAuth helpers over real HTTP: discovery from the
// 401 and from the path-suffixed well-known URL, a client credentials token for this resource from the test
// issuer, tools allowed and refused, a token for another resource refused.
import { createTokenClient } from '@tollgate/client';
import { createTestIssuer, type TestIssuer } from '@tollgate/testing';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ClientCredentialsProvider } from '@modelcontextprotocol/sdk/client/auth-extensions.js';
import { discoverOAuthProtectedResourceMetadata, extractWWWAuthenticateParams } from '@modelcontextprotocol/sdk/client/auth.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** What the example exports (imported by name at run time: it types Express's req.auth as the SDK's AuthInfo). */
interface McpExample {
  listenMcpServer(): Promise<{ url: string; serve(issuer: string): unknown; close(): Promise<void> }>;
}
const EXAMPLE = '../../examples/mcp/mcp-server.js';

const SECRET = 'agent-secret';
let issuer: TestIssuer;
let mcp: Awaited<ReturnType<McpExample['listenMcpServer']>>;
const OTHER = 'http://127.0.0.1:1/other-mcp';

beforeAll(async () => {
  mcp = await ((await import(EXAMPLE)) as McpExample).listenMcpServer();
  issuer = await createTestIssuer({
    algorithms: ['ES256'],
    clients: [
      { clientId: 'agent', clientSecret: SECRET, scopes: ['orders:read'], resources: [mcp.url, OTHER] },
      { clientId: 'admin-agent', clientSecret: SECRET, scopes: ['orders:read', 'orders:write'], resources: [mcp.url] },
    ],
  });
  mcp.serve(issuer.issuer);
});
afterAll(async () => {
  await mcp?.close();
  await issuer?.close();
});

/** The SDK client with its client-credentials provider: it discovers everything from the server's 401. */
function agent(clientId: string, log: Array<{ status: number; headers: Headers }> = []) {
  const provider = new ClientCredentialsProvider({ clientId, clientSecret: SECRET, expectedIssuer: issuer.issuer });
  const fetchAndLog = async (url: string | URL, init?: RequestInit) => {
    const response = await fetch(url, init);
    log.push({ status: response.status, headers: response.headers });
    return response;
  };
  const client = new Client({ name: clientId, version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(mcp.url), { authProvider: provider, fetch: fetchAndLog });
  return { client, transport, provider, log };
}

describe('examples/mcp/mcp-server.ts with the MCP SDK client', () => {
  it('401 names the metadata; the path-suffixed well-known URL serves it; both describe this server', async () => {
    const anonymous = await fetch(mcp.url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: '{}' });
    expect(anonymous.status).toBe(401);
    const { resourceMetadataUrl, scope, error } = extractWWWAuthenticateParams(anonymous);
    expect({ url: resourceMetadataUrl?.href, scope, error }).toEqual({ url: `${new URL(mcp.url).origin}/.well-known/oauth-protected-resource/mcp`, scope: 'orders:read', error: undefined });
    // Discovery from the 401's URL, and (no hint) from the path-suffixed well-known URL the SDK derives itself.
    for (const opts of [{ resourceMetadataUrl }, {}]) {
      const metadata = await discoverOAuthProtectedResourceMetadata(mcp.url, opts);
      expect(metadata).toMatchObject({ resource: mcp.url, authorization_servers: [issuer.issuer], scopes_supported: ['orders:read', 'orders:write'], bearer_methods_supported: ['header'], resource_name: 'Orders MCP server' });
    }
  });

  it('the client gets a token for this resource by itself, lists and calls a tool, and is refused one whose scope it lacks (403 naming it)', async () => {
    const { client, transport, provider, log } = agent('agent');
    await client.connect(transport);
    try {
      // The token was asked for this very resource (RFC 8707) with the scope the 401 named.
      const token = provider.tokens()!.access_token;
      const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
      expect(claims).toMatchObject({ aud: mcp.url, scope: 'orders:read', client_id: 'agent' });
      expect((await client.listTools()).tools.map((tool) => tool.name).sort()).toEqual(['cancel_orders', 'list_orders']);
      const listed = await client.callTool({ name: 'list_orders', arguments: {} });
      expect(JSON.parse((listed.content as Array<{ text: string }>)[0]!.text)).toMatchObject({ client: 'agent', orders: [{ id: 1 }, { id: 2 }] });
      // Refused before the tool runs; the SDK asks for a token again, gets the same scopes, and gives up.
      await expect(client.callTool({ name: 'cancel_orders', arguments: {} })).rejects.toThrow();
      const refusal = log.find((response) => response.status === 403);
      expect(refusal?.headers.get('www-authenticate')).toMatch(/error="insufficient_scope".*scope="orders:read orders:write".*resource_metadata="/);
    } finally {
      await client.close();
    }
  });

  // SDK 1.32's client credentials request names no scope (fetchToken passes none), so the issuer grants every
  // scope the client is registered for: this client's token carries orders:write from the start.
  it('a client registered for orders:write calls the tool that needs it', async () => {
    const { client, transport, log } = agent('admin-agent');
    await client.connect(transport);
    try {
      const cancelled = await client.callTool({ name: 'cancel_orders', arguments: {} });
      expect(JSON.parse((cancelled.content as Array<{ text: string }>)[0]!.text)).toMatchObject({ by: 'admin-agent' });
      expect(log.map((response) => response.status)).not.toContain(403);
    } finally {
      await client.close();
    }
  });

  it('a token the same issuer made for another resource is refused with 401 invalid_token', async () => {
    const other = createTokenClient({ tokenEndpoint: issuer.tokenEndpoint, clientId: 'agent', auth: { secret: SECRET }, resource: OTHER, allowInsecureRequests: true });
    const token = await other.getToken();
    const answer = await fetch(mcp.url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(answer.status).toBe(401);
    expect(answer.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
  });
});
