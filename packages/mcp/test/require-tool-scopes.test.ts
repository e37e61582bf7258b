import express, { type RequestHandler } from 'express';
import { createVerifier, TollgateConfigError, type Verifier } from '@tollgate/core';
import { createTestIssuer, type TestIssuer } from '@tollgate/testing';
import type { OAuthTokenVerifier } from '@modelcontextprotocol/sdk/server/auth/provider.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { requireMcpAuth, requireToolScopes, tokenVerifier } from '../src/index.js';
import { call, handleWith, post, rpc, sdkClient, seen, serve } from './support.js';

// Imported by name at run time: its types declare Express's req.auth as AuthInfo for the whole test program,
// where @tollgate/express declares it as tollgate's AccessToken.
const BEARER_AUTH = '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
const sdkBearerAuth = async () => (await import(BEARER_AUTH)) as { requireBearerAuth(options: { verifier: OAuthTokenVerifier }): RequestHandler };

const RESOURCE = 'https://mcp.example.test/mcp';
const TOOLS = { list_orders: 'orders:read', cancel_orders: ['orders:write'] };
const MORE = { prompts: { summary: 'reports:read' }, resources: { 'orders://reports/daily': 'reports:read', 'orders://items/*': 'orders:read' } };
let issuer: TestIssuer;
let verifier: Verifier;
let parsed: Awaited<ReturnType<typeof serve>>;
let unparsed: Awaited<ReturnType<typeof serve>>;

beforeAll(async () => {
  issuer = await createTestIssuer({ algorithms: ['ES256'] });
  verifier = createVerifier({ issuer: issuer.issuer, audience: RESOURCE, allowInsecureRequests: true });
  // With express.json() before it, and without any body parser (requireToolScopes reads the body itself).
  parsed = await serve([express.json(), requireMcpAuth(verifier, { scopes: ['mcp'] }), requireToolScopes(TOOLS, MORE)]);
  unparsed = await serve([requireMcpAuth(verifier, { scopes: ['mcp'] }), requireToolScopes(TOOLS, { ...MORE, maxBodyBytes: 2048 })]);
});
afterAll(async () => {
  await parsed?.close();
  await unparsed?.close();
  await issuer?.close();
});
beforeEach(() => {
  seen.length = 0;
});

const sign = (scope: string) => issuer.sign({ aud: RESOURCE, client_id: 'agent', scope });
const challenge = (answer: { headers: Headers }) => answer.headers.get('www-authenticate') ?? '';

describe.each([
  ['after express.json()', () => parsed],
  ['without a body parser', () => unparsed],
])('requireToolScopes %s', (_name, app) => {
  it('the SDK client calls a tool its token has the scope for, and is refused (403) one it has not, before the tool runs', async () => {
    const client = await sdkClient(app().url, await sign('mcp orders:read'));
    try {
      expect((await client.listTools()).tools).toHaveLength(3);
      expect(await client.callTool({ name: 'list_orders', arguments: {} })).toMatchObject({ content: [{ text: expect.stringContaining('"client":"agent"') }] });
      await expect(client.callTool({ name: 'cancel_orders', arguments: {} })).rejects.toMatchObject({ code: 403 });
    } finally {
      await client.close();
    }
    expect(seen.map((info) => info.scopes)).toEqual([['mcp', 'orders:read']]);
  });

  it('the 403 names every scope the call needs, requireMcpAuth\'s too, so a client can ask for exactly those', async () => {
    const answer = await post(app().url, call('cancel_orders'), await sign('mcp orders:read'));
    expect(answer.status).toBe(403);
    expect(challenge(answer)).toMatch(/error="insufficient_scope"/);
    expect(challenge(answer)).toMatch(/scope="mcp orders:write"/);
    expect((await post(app().url, call('cancel_orders'), await sign('mcp orders:write'))).status).toBe(200);
  });

  it('a batch: every message is checked, and the refusal names the union of their scopes', async () => {
    const batch = [call('list_orders'), call('cancel_orders'), rpc('tools/list')];
    const refused = await post(app().url, batch, await sign('mcp orders:read'));
    expect(refused.status).toBe(403);
    expect(challenge(refused)).toMatch(/scope="mcp orders:read orders:write"/);
    expect(seen).toHaveLength(0);
    // Nothing at all runs from a refused batch; with both scopes, all of it does.
    const allowed = await post(app().url, batch, await sign('mcp orders:read orders:write'));
    expect(allowed.status).toBe(200);
    expect(allowed.body).toHaveLength(3);
    expect(seen).toHaveLength(2);
  });

  it('Mcp-Method / Mcp-Name: agreeing headers pass, a mismatch is a 400 before anything runs', async () => {
    const token = await sign('mcp orders:read orders:write');
    expect((await post(app().url, call('list_orders'), token, { 'mcp-method': 'tools/call', 'mcp-name': 'list_orders' })).status).toBe(200);
    for (const headers of [
      { 'mcp-method': 'tools/list' } as Record<string, string>,
      { 'mcp-method': 'tools/call', 'mcp-name': 'cancel_orders' },
      { 'mcp-name': 'LIST_ORDERS' },
    ]) {
      const answer = await post(app().url, call('list_orders'), token, headers);
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ error: 'invalid_request' });
    }
    // For a resource, Mcp-Name is its URI; a method without a name cannot carry one.
    const read = rpc('resources/read', { uri: 'orders://items/7' });
    expect((await post(app().url, read, token, { 'mcp-method': 'resources/read', 'mcp-name': 'orders://items/7' })).status).toBe(200);
    expect((await post(app().url, read, token, { 'mcp-name': 'orders://items/8' })).status).toBe(400);
    expect((await post(app().url, rpc('tools/list'), token, { 'mcp-name': 'list_orders' })).status).toBe(400);
    // Headers describe one message: not a batch.
    expect((await post(app().url, [call('list_orders')], token, { 'mcp-method': 'tools/call' })).status).toBe(400);
    expect(seen).toHaveLength(1);
  });

  it('an unlisted tool is refused (403 without a scope); prompts and resources by name, URI and prefix', async () => {
    const token = await sign('mcp orders:read orders:write');
    const unlisted = await post(app().url, call('secret_tool'), token);
    expect(unlisted.status).toBe(403);
    expect(challenge(unlisted)).toMatch(/error="insufficient_scope"/);
    expect(challenge(unlisted)).not.toMatch(/scope=/);
    // The same realm as every other refusal of this verifier.
    expect(challenge(unlisted)).toMatch(/^Bearer realm="api", error="insufficient_scope"/);
    expect(JSON.stringify(unlisted.body)).not.toContain('secret_tool');
    // reports:read for the prompt and the daily report; orders:read for items by prefix.
    expect((await post(app().url, rpc('prompts/get', { name: 'summary' }), token)).status).toBe(403);
    expect((await post(app().url, rpc('prompts/get', { name: 'summary' }), await sign('mcp reports:read'))).status).toBe(200);
    expect((await post(app().url, rpc('resources/read', { uri: 'orders://reports/daily' }), token)).status).toBe(403);
    expect((await post(app().url, rpc('resources/read', { uri: 'orders://items/7' }), token)).status).toBe(200);
    expect((await post(app().url, rpc('resources/read', { uri: 'orders://items/7' }), await sign('mcp'))).status).toBe(403);
    expect((await post(app().url, rpc('resources/read', { uri: 'orders://other' }), token)).status).toBe(403);
    // Completions of a prompt's arguments are as protected as the prompt.
    expect((await post(app().url, rpc('completion/complete', { ref: { type: 'ref/prompt', name: 'summary' }, argument: { name: 'a', value: '' } }), token)).status).toBe(403);
  });

  it('malformed bodies are a 400 before anything runs: bad JSON, not JSON-RPC, an empty batch, a name that is not a string', async () => {
    const token = await sign('mcp orders:read orders:write');
    for (const body of ['{', '"x"', '[]', '[1]', JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 7 } }), JSON.stringify({ jsonrpc: '2.0', id: 1, method: 42 }), JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: [] }), JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call' })]) {
      const answer = await post(app().url, body, token);
      expect({ body, status: answer.status }).toEqual({ body, status: 400 });
    }
    // Over the SDK's batch limit (100): refused before any lookup (a 413 when over the unparsed app's 2 KiB cap).
    const tooMany = Array.from({ length: 101 }, () => rpc('ping'));
    expect((await post(app().url, tooMany, token)).status).toBe(app() === parsed ? 400 : 413);
    expect(seen).toHaveLength(0);
  });

  it('a tool named like an Object.prototype member is unlisted, not found on the prototype', async () => {
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      expect((await post(app().url, call(name), await sign('mcp orders:read orders:write'))).status).toBe(403);
    }
  });
});

describe('requireToolScopes: the body', () => {
  it('without a parser, a body over maxBodyBytes is a 413, declared or streamed', async () => {
    const token = await sign('mcp orders:read');
    const big = JSON.stringify({ ...call('list_orders'), pad: 'x'.repeat(4096) });
    expect((await post(unparsed.url, big, token)).status).toBe(413);
    // Chunked, without Content-Length.
    const response = await fetch(unparsed.url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: new Blob([big]).stream(),
      duplex: 'half',
      signal: AbortSignal.timeout(5000),
    } as RequestInit);
    expect(response.status).toBe(413);
  });

  it('a final handler that forgets to pass req.body on: the transport finds the stream spent and answers 400, nothing runs', async () => {
    const forgetful = await serve([requireMcpAuth(verifier), requireToolScopes(TOOLS)], (req, res) => void handleWith(req, res, undefined));
    try {
      const answer = await post(forgetful.url, call('list_orders'), await sign('orders:read'));
      expect(answer.status).toBe(400);
      expect(seen).toHaveLength(0);
    } finally {
      await forgetful.close();
    }
  });

  it('a compressed body it cannot read is a 400', async () => {
    expect((await post(unparsed.url, call('list_orders'), await sign('mcp orders:read'), { 'content-encoding': 'gzip' })).status).toBe(400);
  });

  it('a body read by other middleware and left unparsed is a configuration error (500), never a pass', async () => {
    const drained = await serve([
      (req, _res, next) => {
        req.on('end', () => next()).resume();
      },
      requireMcpAuth(verifier),
      requireToolScopes(TOOLS),
    ]);
    try {
      const answer = await post(drained.url, call('list_orders'), await sign('orders:read'));
      expect(answer.status).toBe(500);
    } finally {
      await drained.close();
    }
  });
});

describe('requireToolScopes: where it stands', () => {
  it('without requireMcpAuth before it: 500 for every request, never an open route', async () => {
    const alone = await serve([requireToolScopes(TOOLS)]);
    try {
      expect((await post(alone.url, rpc('tools/list'))).status).toBe(500);
      expect((await post(alone.url, call('list_orders'), await sign('orders:read'))).status).toBe(500);
    } finally {
      await alone.close();
    }
  });

  it('after the SDK\'s own requireBearerAuth with tokenVerifier: the same per-tool scopes', async () => {
    const { requireBearerAuth } = await sdkBearerAuth();
    const app = await serve([express.json(), requireBearerAuth({ verifier: tokenVerifier(verifier) }), requireToolScopes(TOOLS)]);
    try {
      expect((await post(app.url, call('list_orders'), await sign('orders:read'))).status).toBe(200);
      const refused = await post(app.url, call('cancel_orders'), await sign('orders:read'));
      expect(refused.status).toBe(403);
      expect(challenge(refused)).toMatch(/scope="orders:write"/);
    } finally {
      await app.close();
    }
  });

  it('unlisted: "allow" lets an unlisted tool through to the server with the guard\'s scopes alone', async () => {
    const app = await serve([express.json(), requireMcpAuth(verifier), requireToolScopes(TOOLS, { unlisted: 'allow' })]);
    try {
      expect((await post(app.url, call('secret_tool'), await sign('orders:read'))).status).toBe(200);
      expect((await post(app.url, call('cancel_orders'), await sign('orders:read'))).status).toBe(403);
    } finally {
      await app.close();
    }
  });

  it('startup: empty or malformed scope lists, unknown options and wrong types are configuration errors', () => {
    expect(() => requireToolScopes({ list_orders: [] })).toThrow(/names no scope/);
    expect(() => requireToolScopes({ list_orders: 'a b' })).toThrow(/not a valid scope/);
    expect(() => requireToolScopes({ list_orders: [7] as never })).toThrow(TollgateConfigError);
    expect(() => requireToolScopes(undefined as never)).toThrow(/pass the scopes of each tool/);
    expect(() => requireToolScopes([] as never)).toThrow(/an array/);
    expect(() => requireToolScopes(TOOLS, { unlisted: 'open' as never })).toThrow(/unlisted must be/);
    expect(() => requireToolScopes(TOOLS, { prompt: {} } as never)).toThrow(/unknown option "prompt"/);
    expect(() => requireToolScopes(TOOLS, { maxBodyBytes: 0 })).toThrow(/maxBodyBytes/);
    expect(() => requireToolScopes(TOOLS, { resources: { 'orders://x': '' } })).toThrow(TollgateConfigError);
  });
});
