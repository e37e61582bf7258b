// Shared pieces of the MCP tests: an MCP server on the SDK behind tollgate, raw JSON-RPC posts, and the SDK's client.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type RequestHandler } from 'express';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { AuthInfo } from '../src/index.js';

/** What each tool saw of its caller, by call: the SDK passes the AuthInfo from req.auth as `extra.authInfo`. */
export const seen: AuthInfo[] = [];

/** The MCP server: tools `list_orders`, `cancel_orders`, `secret_tool`; prompt `summary`; resources under `orders://`. */
function mcpServer(): McpServer {
  const server = new McpServer({ name: 'orders', version: '1.0.0' });
  const tool = (name: string) =>
    server.registerTool(name, { description: name }, (extra) => {
      if (extra.authInfo) seen.push(extra.authInfo);
      return { content: [{ type: 'text', text: JSON.stringify({ tool: name, client: extra.authInfo?.clientId }) }] };
    });
  tool('list_orders');
  tool('cancel_orders');
  tool('secret_tool');
  server.registerPrompt('summary', { description: 'summary' }, () => ({ messages: [{ role: 'user', content: { type: 'text', text: 'summarise' } }] }));
  server.registerResource('report', 'orders://reports/daily', {}, (uri) => ({ contents: [{ uri: uri.href, text: 'daily' }] }));
  server.registerResource('order', new ResourceTemplate('orders://items/{id}', { list: undefined }), {}, (uri) => ({ contents: [{ uri: uri.href, text: 'item' }] }));
  return server;
}

/** The SDK transport as the final handler (stateless, JSON responses), given the body tollgate read or express.json() parsed. */
export const transportHandler: RequestHandler = (req, res) => handleWith(req, res, req.body);

/** The final handler with the body it passes to the transport (`undefined`: the transport reads the stream). */
export const handleWith = (req: express.Request, res: express.Response, body: unknown): Promise<void> => serveStateless(mcpServer(), req, res, body);

/** Answers one request with `server` on a stateless transport of its own (JSON responses), closed with the response. */
export async function serveStateless(server: McpServer, req: express.Request, res: express.Response, body: unknown): Promise<void> {
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
  res.on('close', () => {
    void transport.close();
    void server.close();
  });
  await server.connect(transport);
  // The test program also holds @tollgate/express, which declares req.auth as tollgate's AccessToken.
  await transport.handleRequest(req as unknown as Parameters<StreamableHTTPServerTransport['handleRequest']>[0], res, body);
}

/** Serves `handlers` at POST /mcp on 127.0.0.1 (and `extra` routes before it). */
export async function serve(handlers: RequestHandler[], final: RequestHandler = transportHandler): Promise<{ url: string; close(): Promise<void> }> {
  const app = express();
  app.post('/mcp', ...handlers, final);
  const server: Server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A raw answer: status, headers, and the JSON body when there is one. */
export interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
}

let nextId = 1;
/** A JSON-RPC request message. */
export const rpc = (method: string, params?: Record<string, unknown>) => ({ jsonrpc: '2.0', id: nextId++, method, ...(params ? { params } : {}) });
/** A tools/call of `name`. */
export const call = (name: string) => rpc('tools/call', { name, arguments: {} });

/** POSTs `body` (JSON unless a string) as an MCP client would, with `token` and any extra headers. */
export async function post(url: string, body: unknown, token?: string, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2025-06-18',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(5000),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: kept as text
  }
  return { status: response.status, headers: response.headers, body: parsed };
}

/** The SDK's own client, connected with a bearer token (no OAuth flow). */
export async function sdkClient(url: string, token: string): Promise<Client> {
  const client = new Client({ name: 'test-client', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
  return client;
}
