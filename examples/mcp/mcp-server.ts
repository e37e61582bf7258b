// An MCP server on the official TypeScript SDK, protected by tollgate: two tools that need different scopes.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express } from 'express';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { createVerifier, type Verifier } from '@tollgate/core';
// The /coexist entry: @tollgate/express without its global req.auth type, which here is the SDK's AuthInfo.
import { protectedResourceMetadata } from '@tollgate/express/coexist';
import { requireMcpAuth, requireToolScopes } from '@tollgate/mcp';

const ORDERS = [
  { id: 1, item: 'coffee' },
  { id: 2, item: 'tea' },
];

/** The MCP server itself: what it offers, and who asked (the SDK hands tools the AuthInfo tollgate set). */
function ordersServer(): McpServer {
  const server = new McpServer({ name: 'orders', version: '1.0.0' });
  server.registerTool('list_orders', { description: 'Lists the orders (needs orders:read)' }, (extra) => ({
    content: [{ type: 'text', text: JSON.stringify({ orders: ORDERS, client: extra.authInfo?.clientId }) }],
  }));
  server.registerTool('cancel_orders', { description: 'Cancels every order (needs orders:write)' }, (extra) => ({
    content: [{ type: 'text', text: JSON.stringify({ cancelled: ORDERS.length, by: extra.authInfo?.clientId }) }],
  }));
  return server;
}

/**
 * The Express app: the Protected Resource Metadata (RFC 9728) at its well-known URL, and the MCP endpoint at
 * `/mcp`. Every request needs a valid token issued for this server (`resource`) with orders:read; each tool
 * call needs its tool's scope, checked before the tool runs.
 */
export function createMcpApp(verifier: Verifier): Express {
  const app = express();
  // GET /.well-known/oauth-protected-resource/mcp: where clients learn which issuer to ask, and for what.
  app.use(protectedResourceMetadata(verifier));
  app.use('/mcp', express.json(), requireMcpAuth(verifier, { scopes: ['orders:read'] }));
  app.post('/mcp', requireToolScopes({ list_orders: 'orders:read', cancel_orders: 'orders:write' }), async (req, res) => {
    // Stateless: a server and a transport per request, closed with the response.
    const server = ordersServer();
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    // requireToolScopes read the body (or express.json() did): pass it on.
    await transport.handleRequest(req, res, req.body);
  });
  // A stateless server has no event stream (GET) or session to end (DELETE).
  app.all('/mcp', (_req, res) => {
    res.set('Allow', 'POST').status(405).json({ error: 'method_not_allowed' });
  });
  return app;
}

/** An MCP server listening on 127.0.0.1 before it knows its issuer: its URL is its resource identifier. */
export interface ListeningMcpServer {
  /** `http://127.0.0.1:<port>/mcp`: the endpoint, and the resource tokens must be issued for. */
  readonly url: string;
  /** Starts serving the MCP app for tokens of `issuer`; returns the verifier. Until then every request is a 503. */
  serve(issuer: string): Verifier;
  close(): Promise<void>;
}

/**
 * Listens on an ephemeral port of 127.0.0.1 first, so the resource identifier (the server's own URL) is
 * known before the issuer registers clients for it; `serve(issuer)` then puts the app in place. Plain http
 * with `allowInsecureRequests` is for this local run only.
 */
export async function listenMcpServer(): Promise<ListeningMcpServer> {
  let app: Express | undefined;
  const server: Server = createServer((req, res) => {
    if (app) app(req, res);
    else res.writeHead(503, { 'retry-after': '1' }).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
  return {
    url,
    serve(issuer) {
      const verifier = createVerifier({
        issuer,
        resource: url, // a token's aud must be exactly this: tokens for other servers are refused
        allowInsecureRequests: true,
        metadata: { resourceName: 'Orders MCP server', scopesSupported: ['orders:read', 'orders:write'] },
      });
      app = createMcpApp(verifier);
      return verifier;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
