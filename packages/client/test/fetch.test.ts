// client.fetch against a real API on 127.0.0.1 that verifies tokens with @tollgate/core: Bearer added, one retry on invalid_token only.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createVerifier, InsufficientScopeError, InvalidTokenError, isTollgateError } from '@tollgate/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { adminClient, startIssuer, type Fixture } from './support.js';

let fx: Fixture;
let api: Server;
let apiUrl: string;
let apiRequests = 0;
const refused = new Set<string>();
let refuseEverything = false;
const bodies: string[] = [];

beforeAll(async () => {
  fx = await startIssuer();
  const verifier = createVerifier({ issuer: fx.issuer.issuer, audience: fx.issuer.audience, allowInsecureRequests: true });
  api = createServer((req, res) => {
    apiRequests += 1;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      bodies.push(Buffer.concat(chunks).toString());
      try {
        const token = await verifier.authenticate({ headers: req.headers, rawHeaders: req.rawHeaders, method: req.method ?? 'GET' });
        if (token === undefined) throw new InvalidTokenError('no token', { reason: 'malformed_token' });
        // The API has revoked this token (or every token): the answer a resource server gives for it.
        if (refuseEverything || refused.has(token.token)) throw new InvalidTokenError('the token was revoked', { reason: 'invalid_claim' });
        if (req.url === '/admin') throw new InsufficientScopeError(['orders:admin']);
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ client: token.clientId }));
      } catch (error) {
        if (!isTollgateError(error)) throw error;
        res.writeHead(error.status, { 'www-authenticate': error.wwwAuthenticate('orders'), 'content-type': 'application/json' }).end(JSON.stringify(error));
      }
    });
  });
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
});
afterEach(() => {
  fx.issuer.resetRequests();
  apiRequests = 0;
  refused.clear();
  refuseEverything = false;
  bodies.length = 0;
});
afterAll(async () => {
  api?.closeAllConnections();
  await new Promise((resolve) => api?.close(resolve));
  await fx?.issuer.close();
});

describe('client.fetch', () => {
  it('sends the cached token as Authorization: Bearer', async () => {
    const client = adminClient(fx.issuer);
    const first = await client.fetch(`${apiUrl}/orders`);
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ client: 'admin app' });
    expect((await client.fetch(new URL(`${apiUrl}/orders`), { headers: { accept: 'application/json' } })).status).toBe(200);
    expect(fx.issuer.requests.token).toBe(1);
  });

  it('after a 401 invalid_token, renews the token and retries once, with the same body', async () => {
    const client = adminClient(fx.issuer);
    refused.add(await client.getToken());
    const response = await client.fetch(`${apiUrl}/orders`, { method: 'POST', body: '{"item":42}', headers: { 'content-type': 'application/json' } });
    expect(response.status).toBe(200);
    expect(apiRequests).toBe(2);
    expect(bodies).toEqual(['{"item":42}', '{"item":42}']);
    expect(fx.issuer.requests.token).toBe(2);
  });

  it('concurrent requests refused with the same token share one renewal', async () => {
    const client = adminClient(fx.issuer);
    refused.add(await client.getToken());
    const responses = await Promise.all(Array.from({ length: 10 }, () => client.fetch(`${apiUrl}/orders`)));
    expect(responses.map((response) => response.status)).toEqual(Array(10).fill(200));
    expect(fx.issuer.requests.token).toBe(2);
  });

  it('retries only once: a second invalid_token is returned as it is', async () => {
    refuseEverything = true;
    const client = adminClient(fx.issuer);
    const response = await client.fetch(`${apiUrl}/orders`);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
    expect(apiRequests).toBe(2);
  });

  it('does not retry on 403 insufficient_scope (a new token would not have more scope)', async () => {
    const client = adminClient(fx.issuer);
    const response = await client.fetch(`${apiUrl}/admin`);
    expect(response.status).toBe(403);
    expect(response.headers.get('www-authenticate')).toMatch(/insufficient_scope/);
    expect(apiRequests).toBe(1);
    expect(fx.issuer.requests.token).toBe(1);
  });

  it('does not retry a request whose body is a stream (it cannot be sent twice)', async () => {
    const client = adminClient(fx.issuer);
    refused.add(await client.getToken());
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('streamed'));
        controller.close();
      },
    });
    const response = await client.fetch(`${apiUrl}/orders`, { method: 'POST', body, duplex: 'half' } as RequestInit);
    expect(response.status).toBe(401);
    expect(apiRequests).toBe(1);
  });

  it('never sends a token over plain http to another host, nor to loopback without allowInsecureRequests', async () => {
    const client = adminClient(fx.issuer);
    await expect(client.fetch('http://api.example.com/orders')).rejects.toThrow(/must be an https URL/);
    expect(fx.issuer.requests.token).toBe(0);
  });
});
