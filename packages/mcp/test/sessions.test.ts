// Review 13b F2: requireMcpAuth binds each Mcp-Session-Id to the principal that opened it.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type RequestHandler } from 'express';
import { createVerifier, TollgateConfigError, type Verifier } from '@tollgate/core';
import { createTestIssuer, type TestIssuer } from '@tollgate/testing';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireMcpAuth, requireToolScopes } from '../src/index.js';
import { call, post, rpc } from './support.js';

const RESOURCE = 'https://mcp.example.test/mcp';
let issuer: TestIssuer;
let verifier: Verifier;
/** Who each tools/call ran for, by the `sub` the tool saw. */
const ran: string[] = [];

/** The SDK's stateful pattern: one transport per Mcp-Session-Id, behind `handlers` on every method of /mcp. */
async function statefulServer(handlers: RequestHandler[]) {
  const transports = new Map<string, StreamableHTTPServerTransport>();
  const app = express();
  app.all('/mcp', ...handlers, async (req, res) => {
    const sid = req.headers['mcp-session-id'] as string | undefined;
    let transport = sid ? transports.get(sid) : undefined;
    if (!transport) {
      if (sid || req.method !== 'POST') {
        res.status(404).json({ jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' }, id: null });
        return;
      }
      const created = new StreamableHTTPServerTransport({ sessionIdGenerator: () => randomUUID(), enableJsonResponse: true, onsessioninitialized: (id) => void transports.set(id, created) });
      created.onclose = () => void transports.delete(created.sessionId!);
      const server = new McpServer({ name: 'x', version: '1.0.0' });
      server.registerTool('whoami', {}, (extra) => {
        ran.push(String(extra.authInfo?.extra?.sub));
        return { content: [{ type: 'text', text: 'ok' }] };
      });
      await server.connect(created);
      transport = created;
    }
    await transport.handleRequest(req as never, res, req.body);
  });
  return listen(app);
}

async function listen(app: express.Express) {
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

beforeAll(async () => {
  issuer = await createTestIssuer({ algorithms: ['ES256'] });
  verifier = createVerifier({ issuer: issuer.issuer, audience: RESOURCE, allowInsecureRequests: true });
});
afterAll(async () => {
  await issuer?.close();
});

const sign = (sub: string, client = 'agent') => issuer.sign({ aud: RESOURCE, sub, client_id: client, scope: 'mcp' });
const initialize = rpc('initialize', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } });
const end = (url: string, token: string, sid: string) =>
  fetch(url, { method: 'DELETE', headers: { authorization: `Bearer ${token}`, 'mcp-session-id': sid, 'mcp-protocol-version': '2025-06-18' }, signal: AbortSignal.timeout(5000) });

describe('requireMcpAuth: sessions', () => {
  it("another principal's token cannot use or end a session (404 as for an unknown one); its opener can", async () => {
    const app = await statefulServer([express.json(), requireMcpAuth(verifier, { scopes: ['mcp'] }), requireToolScopes({ whoami: 'mcp' })]);
    try {
      const alice = await sign('alice');
      const bob = await sign('bob');
      const init = await post(app.url, initialize, alice);
      expect(init.status).toBe(200);
      const sid = init.headers.get('mcp-session-id')!;
      ran.length = 0;
      // Bob comes first after initialize: the session was bound when it was created.
      const inside = await post(app.url, call('whoami'), bob, { 'mcp-session-id': sid });
      expect(inside.status).toBe(404);
      expect(inside.body).toEqual({ jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' }, id: null });
      // Same subject, another client: another principal.
      expect((await post(app.url, call('whoami'), await sign('alice', 'other-agent'), { 'mcp-session-id': sid })).status).toBe(404);
      expect((await end(app.url, bob, sid)).status).toBe(404);
      expect(ran).toEqual([]);
      // Alice, with another token of hers, goes on in her session.
      await post(app.url, { jsonrpc: '2.0', method: 'notifications/initialized' }, alice, { 'mcp-session-id': sid });
      expect((await post(app.url, call('whoami'), await sign('alice'), { 'mcp-session-id': sid })).status).toBe(200);
      expect(ran).toEqual(['alice']);
      expect((await end(app.url, alice, sid)).status).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('a session id over 256 characters or not visible ASCII is a 400', async () => {
    const app = await statefulServer([express.json(), requireMcpAuth(verifier)]);
    try {
      const token = await sign('alice');
      for (const sid of ['a'.repeat(257), 'a b', 'a\tb', '']) {
        expect((await post(app.url, call('whoami'), token, { 'mcp-session-id': sid })).status, JSON.stringify(sid)).toBe(400);
      }
      // 256 visible characters are a well-formed id (the server knows no such session).
      expect((await post(app.url, call('whoami'), token, { 'mcp-session-id': 'a'.repeat(256) })).status).toBe(404);
    } finally {
      await app.close();
    }
  });

  it("bounded: one principal's many sessions push out only its own bindings; past maxSessions the least recently used goes", async () => {
    const echo: RequestHandler = (_req, res) => void res.json({ ok: true });
    const app = await listen(express().post('/mcp', express.json(), requireMcpAuth(verifier, { sessions: { maxSessions: 3, maxPerPrincipal: 2 } }), echo));
    const open = await listen(express().post('/mcp', express.json(), requireMcpAuth(verifier, { sessions: { maxSessions: 3, maxPerPrincipal: 3 } }), echo));
    try {
      const alice = await sign('alice');
      const mallory = await sign('mallory');
      const use = (url: string, token: string, sid: string) => post(url, rpc('ping'), token, { 'mcp-session-id': sid });
      for (const url of [app.url, open.url]) expect((await use(url, alice, 'alice-1')).status).toBe(200);
      for (let i = 0; i < 10; i++) {
        expect((await use(app.url, mallory, `m-${i}`)).status).toBe(200);
        expect((await use(open.url, mallory, `m-${i}`)).status).toBe(200);
      }
      // maxPerPrincipal 2: Mallory's own oldest went, Alice's binding stands.
      expect((await use(app.url, mallory, 'alice-1')).status).toBe(404);
      expect((await use(app.url, alice, 'alice-1')).status).toBe(200);
      expect((await use(app.url, alice, 'm-0')).status).toBe(200);
      expect((await use(app.url, alice, 'm-9')).status).toBe(404);
      // maxPerPrincipal = maxSessions: Alice's binding was evicted, and the id is taken by whoever uses it next.
      expect((await use(open.url, mallory, 'alice-1')).status).toBe(200);
    } finally {
      await app.close();
      await open.close();
    }
  });

  it('sessions: false turns binding off (any valid token uses any session id)', async () => {
    const app = await statefulServer([express.json(), requireMcpAuth(verifier, { sessions: false })]);
    try {
      const init = await post(app.url, initialize, await sign('alice'));
      const sid = init.headers.get('mcp-session-id')!;
      await post(app.url, { jsonrpc: '2.0', method: 'notifications/initialized' }, await sign('alice'), { 'mcp-session-id': sid });
      expect((await post(app.url, call('whoami'), await sign('bob'), { 'mcp-session-id': sid })).status).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('startup: a wrong sessions value is a configuration error', () => {
    for (const sessions of ['yes', 0, null, [], { maxSessions: 0 }, { maxPerPrincipal: 1.5 }, { max: 3 }, { maxSessions: 2, maxPerPrincipal: 5 }]) {
      expect(() => requireMcpAuth(verifier, { sessions: sessions as never }), JSON.stringify(sessions)).toThrow(TollgateConfigError);
    }
    expect(() => requireMcpAuth({ issuer: 'https://a.example/', audience: 'x', sessions: 'no' } as never)).toThrow(/sessions/);
    expect(() => requireMcpAuth(verifier, { sessions: true })).not.toThrow();
  });
});
