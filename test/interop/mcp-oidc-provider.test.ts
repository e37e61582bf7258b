// examples/mcp/mcp-server.ts with the MCP SDK's own client against oidc-provider, a real and independent
// authorization server with RFC 8707 resource indicators: discovery from the 401, then oidc-provider's metadata,
// a client credentials JWT for this very resource, tools allowed and refused, tokens for other resources refused.
import { createTokenClient } from '@tollgate/client';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ClientCredentialsProvider } from '@modelcontextprotocol/sdk/client/auth-extensions.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_A, generateSigningKey, ORDERS_API, startOidcProvider, type OidcProviderServer } from './oidc-provider-server.js';

/** What the example exports (imported by name at run time: it types Express's req.auth as the SDK's AuthInfo). */
interface McpExample {
  listenMcpServer(): Promise<{ url: string; serve(issuer: string): unknown; close(): Promise<void> }>;
}
const EXAMPLE = '../../examples/mcp/mcp-server.js';

/** One request the SDK's client made: where to, the form it posted (token requests), the answer. */
interface Exchange {
  method: string;
  url: string;
  form?: URLSearchParams;
  status: number;
  headers: Headers;
}

let mcp: Awaited<ReturnType<McpExample['listenMcpServer']>>;
let server: OidcProviderServer;
/** A sibling resource on the same origin: a token for it must not open /mcp. */
let sibling: string;

beforeAll(async () => {
  // The MCP server listens first: its URL is the resource indicator oidc-provider must know.
  mcp = await ((await import(EXAMPLE)) as McpExample).listenMcpServer();
  sibling = `${mcp.url}2`;
  server = await startOidcProvider({
    keys: [await generateSigningKey('rsa-1', 'RS256')],
    resources: { [mcp.url]: 'orders:read orders:write', [sibling]: 'orders:read orders:write' },
  });
  mcp.serve(server.issuer);
});
afterAll(async () => {
  await mcp?.close();
  await server?.close();
});

/** The SDK's client with its client-credentials provider (client_secret_basic, CLIENT_A's registration). */
function agent(scope?: string) {
  const provider = new ClientCredentialsProvider({ clientId: CLIENT_A.id, clientSecret: CLIENT_A.secret, expectedIssuer: server.issuer, ...(scope ? { scope } : {}) });
  const log: Exchange[] = [];
  const fetchAndLog = async (url: string | URL, init?: RequestInit) => {
    const response = await fetch(url, init);
    const form = init?.body instanceof URLSearchParams ? new URLSearchParams(init.body) : undefined;
    log.push({ method: init?.method ?? 'GET', url: String(url), ...(form ? { form } : {}), status: response.status, headers: response.headers });
    return response;
  };
  const client = new Client({ name: 'oidc-agent', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(mcp.url), { authProvider: provider, fetch: fetchAndLog });
  return { client, transport, provider, log };
}

const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
const textOf = (result: Record<string, unknown>) => JSON.parse((result.content as Array<{ text: string }>)[0]!.text) as Record<string, unknown>;

/** A JSON-RPC tools/list to the MCP server with this token, outside the SDK. */
const listWith = (token: string) =>
  fetch(mcp.url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
  });

describe('examples/mcp/mcp-server.ts, the MCP SDK client and oidc-provider', () => {
  it('discovers everything from the 401, gets a JWT for this resource from oidc-provider, lists and calls a tool, is refused one whose scope it lacks', async () => {
    const { client, transport, provider, log } = agent('orders:read');
    await client.connect(transport);
    try {
      // The path the SDK took: the MCP server's 401, its metadata (RFC 9728), oidc-provider's metadata (RFC
      // 8414, which oidc-provider serves beside openid-configuration), the token endpoint, then the MCP calls.
      const origin = new URL(mcp.url).origin;
      const first = log.findIndex((e) => e.url === mcp.url && e.status === 401);
      expect(first).toBe(0);
      expect(log[first]!.headers.get('www-authenticate')).toContain(`resource_metadata="${origin}/.well-known/oauth-protected-resource/mcp"`);
      const prm = log.findIndex((e) => e.url === `${origin}/.well-known/oauth-protected-resource/mcp` && e.status === 200);
      const asMetadata = log.findIndex((e) => e.url === `${server.issuer}/.well-known/oauth-authorization-server` && e.status === 200);
      const token = log.findIndex((e) => e.url === `${server.issuer}/token`);
      expect(first < prm && prm < asMetadata && asMetadata < token).toBe(true);
      // RFC 8707: the SDK asked for this very resource, as the metadata names it; with the scope it was given.
      expect(log[token]!.status).toBe(200);
      expect(Object.fromEntries(log[token]!.form!)).toEqual({ grant_type: 'client_credentials', scope: 'orders:read', resource: mcp.url });

      // oidc-provider's RFC 9068 JWT: audience exactly this MCP server, the scopes this resource accepts.
      const claims = claimsOf(provider.tokens()!.access_token);
      expect(claims).toMatchObject({ iss: server.issuer, aud: mcp.url, client_id: CLIENT_A.id, scope: 'orders:read' });

      expect((await client.listTools()).tools.map((tool) => tool.name).sort()).toEqual(['cancel_orders', 'list_orders']);
      expect(textOf(await client.callTool({ name: 'list_orders', arguments: {} }))).toMatchObject({ client: CLIENT_A.id, orders: [{ id: 1 }, { id: 2 }] });

      // Refused before the tool runs, naming every scope the call needs.
      await expect(client.callTool({ name: 'cancel_orders', arguments: {} })).rejects.toThrow();
      const refusal = log.find((e) => e.url === mcp.url && e.status === 403);
      expect(refusal?.headers.get('www-authenticate')).toMatch(/error="insufficient_scope".*scope="orders:read orders:write".*resource_metadata="/);
      expect(server.serverErrors).toEqual([]);
    } finally {
      await client.close();
    }
  });

  it('with orders:write asked for, the token carries it and the tool that needs it runs', async () => {
    const { client, transport, provider, log } = agent('orders:read orders:write');
    await client.connect(transport);
    try {
      expect(claimsOf(provider.tokens()!.access_token)).toMatchObject({ aud: mcp.url, scope: 'orders:read orders:write' });
      expect(textOf(await client.callTool({ name: 'cancel_orders', arguments: {} }))).toMatchObject({ by: CLIENT_A.id });
      expect(log.map((e) => e.status)).not.toContain(403);
    } finally {
      await client.close();
    }
  });

  // SDK 1.32's fetchToken sends clientMetadata.scope only (ClientCredentialsProvider's `scope` option), never
  // the scope of the 401 or 403 challenge; oidc-provider grants no scope when none is asked for. The result
  // is a token the server refuses: 403 naming the scope, no tool runs; the SDK re-runs discovery and asks again
  // on the 403, with the same form (still no scope), gets the same kind of token, and gives up.
  it('without a scope of its own, the SDK client gets a scope-less token and is refused with 403 naming orders:read', async () => {
    const { client, transport, provider, log } = agent();
    await expect(client.connect(transport)).rejects.toThrow();
    const tokenRequests = log.filter((e) => e.url === `${server.issuer}/token`);
    expect(tokenRequests.length).toBeGreaterThanOrEqual(2);
    for (const request of tokenRequests) expect(Object.fromEntries(request.form!)).toEqual({ grant_type: 'client_credentials', resource: mcp.url });
    const claims = claimsOf(provider.tokens()!.access_token);
    expect(claims.aud).toBe(mcp.url);
    expect(claims.scope).toBeUndefined();
    const refusal = log.find((e) => e.url === mcp.url && e.status === 403);
    expect(refusal?.headers.get('www-authenticate')).toMatch(/error="insufficient_scope".*scope="orders:read"/);
    expect(log.some((e) => e.url === mcp.url && e.status === 200)).toBe(false);
  });

  it('tokens oidc-provider issued to the same client for another resource are refused with 401 invalid_token', async () => {
    for (const resource of [ORDERS_API, sibling]) {
      const other = createTokenClient({ issuer: server.issuer, clientId: CLIENT_A.id, auth: { secret: CLIENT_A.secret }, scopes: ['orders:read', 'orders:write'], resource, allowInsecureRequests: true });
      const token = await other.getToken();
      expect(claimsOf(token)).toMatchObject({ aud: resource, scope: 'orders:read orders:write' });
      const answer = await listWith(token);
      expect(answer.status).toBe(401);
      expect(answer.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
    }
    // The same client's token for this resource passes: the refusals above are the audience's doing.
    const own = createTokenClient({ issuer: server.issuer, clientId: CLIENT_A.id, auth: { secret: CLIENT_A.secret }, scopes: ['orders:read'], resource: mcp.url, allowInsecureRequests: true });
    expect((await listWith(await own.getToken())).status).toBe(200);
  });
});
