// Demo steps for an MCP server (the official TypeScript SDK) behind tollgate, driven by the SDK's own client.
import { randomBytes } from 'node:crypto';
import { decodeJwt } from 'jose';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ClientCredentialsProvider } from '@modelcontextprotocol/sdk/client/auth-extensions.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { createTokenClient } from '@tollgate/client';
import { createTestIssuer } from '@tollgate/testing';
import type { Transcript } from '../lib/transcript.js';

/** What examples/mcp/mcp-server.ts exports (compiled on its own: it types req.auth as the SDK's AuthInfo). */
interface McpExample {
  listenMcpServer(): Promise<{ url: string; serve(issuer: string): unknown; close(): Promise<void> }>;
}
const MCP_EXAMPLE = '../mcp/mcp-server.js';

/** A response as the demo shows it. */
interface Seen {
  method: string;
  url: string;
  status: number;
  wwwAuthenticate: string | null;
}

/** The text of a tool result's first content item. */
const textOf = (result: unknown): string => ((result as { content?: Array<{ text?: string }> }).content?.[0]?.text ?? '').slice(0, 120);

/**
 * An MCP server with two tools of different scopes; the SDK's client discovers the metadata from the 401,
 * gets a client credentials token for this resource, lists and calls a tool, and is refused the other.
 */
export async function mcpSteps(t: Transcript): Promise<void> {
  const mcp = await ((await import(MCP_EXAMPLE)) as McpExample).listenMcpServer();
  const other = 'https://other-mcp.example.test/mcp';
  const secret = randomBytes(18).toString('base64url');
  const issuer = await createTestIssuer({
    algorithms: ['ES256'],
    // RFC 8707: the agent may ask for tokens for this server and for another one.
    clients: [{ clientId: 'orders-agent', clientSecret: secret, scopes: ['orders:read'], resources: [mcp.url, other] }],
  });
  try {
    mcp.serve(issuer.issuer);
    t.section(`MCP server on the official TypeScript SDK at ${mcp.url} (list_orders needs orders:read, cancel_orders orders:write)`);
    const seen: Seen[] = [];
    const logged = async (url: string | URL, init?: RequestInit): Promise<Response> => {
      const response = await fetch(url, init);
      seen.push({ method: init?.method ?? 'GET', url: String(url), status: response.status, wwwAuthenticate: response.headers.get('www-authenticate') });
      return response;
    };
    const provider = new ClientCredentialsProvider({ clientId: 'orders-agent', clientSecret: secret, expectedIssuer: issuer.issuer });
    const client = new Client({ name: 'orders-agent', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(mcp.url), { authProvider: provider, fetch: logged }));
    try {
      const first = seen[0];
      t.check(
        first?.status === 401 && /resource_metadata="[^"]+\/\.well-known\/oauth-protected-resource\/mcp"/.test(first.wwwAuthenticate ?? '') && !/error=/.test(first.wwwAuthenticate ?? ''),
        `the SDK client connects without a token → ${first?.status}, challenge names the metadata`,
        '401 with resource_metadata and no error code',
      );
      t.note(`WWW-Authenticate: ${first?.wwwAuthenticate}`);
      const path = seen.filter((entry) => entry.status === 200).map((entry) => new URL(entry.url).pathname);
      t.note(`then, by itself: ${path.filter((p) => p.includes('well-known') || p.endsWith('/token')).join(' → ')}`);
      const claims = decodeJwt(provider.tokens()?.access_token ?? '');
      t.check(claims.aud === mcp.url && claims.scope === 'orders:read', `its client credentials token is for this server (aud ${String(claims.aud)}), scope "${String(claims.scope)}"`, `aud ${mcp.url}`);
      const tools = (await client.listTools()).tools.map((tool) => tool.name);
      t.check(tools.includes('list_orders') && tools.includes('cancel_orders'), `tools/list → ${tools.join(', ')}`, 'both tools');
      const listed = await client.callTool({ name: 'list_orders', arguments: {} });
      t.check(textOf(listed).includes('"client":"orders-agent"'), `tools/call list_orders → ${textOf(listed)}`, 'the orders, and the caller the tool saw');
      const before = seen.length;
      const refused = await client.callTool({ name: 'cancel_orders', arguments: {} }).then(
        () => undefined,
        (error: unknown) => error,
      );
      const denial = seen.slice(before).find((entry) => entry.status === 403);
      t.check(
        refused !== undefined && /error="insufficient_scope"/.test(denial?.wwwAuthenticate ?? '') && /scope="[^"]*orders:write[^"]*"/.test(denial?.wwwAuthenticate ?? ''),
        `tools/call cancel_orders → ${denial?.status ?? 'no'} insufficient_scope naming orders:write, before the tool ran`,
        '403 insufficient_scope with scope="... orders:write"',
      );
      t.note(`WWW-Authenticate: ${denial?.wwwAuthenticate}`);
    } finally {
      await client.close();
    }
    // A token the same issuer made for another server: RFC 8707 audience binding, never passed through.
    const elsewhere = await createTokenClient({ tokenEndpoint: issuer.tokenEndpoint, clientId: 'orders-agent', auth: { secret }, resource: other, allowInsecureRequests: true }).getToken();
    const response = await fetch(mcp.url, {
      method: 'POST',
      headers: { authorization: `Bearer ${elsewhere}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      signal: AbortSignal.timeout(5000),
    });
    const challenge = response.headers.get('www-authenticate') ?? '';
    await response.body?.cancel();
    t.check(response.status === 401 && /error="invalid_token"/.test(challenge), `a token issued for ${other} → ${response.status} invalid_token`, '401 invalid_token');
  } finally {
    await mcp.close();
    await issuer.close();
  }
}
