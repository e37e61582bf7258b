// An MCP server on the official TypeScript SDK, protected by tollgate: two tools that need different scopes.
import express, { type Express } from 'express';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { Verifier } from '@tollgate/core';
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
 * The Express app serving the MCP endpoint at `/mcp`. Every request needs a valid token for this server;
 * each tool call needs its tool's scope, checked before the tool runs.
 */
export function createMcpApp(verifier: Verifier): Express {
  const app = express();
  app.use('/mcp', express.json(), requireMcpAuth(verifier));
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
