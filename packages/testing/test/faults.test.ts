import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestIssuer, type TestIssuer } from '../src/index.js';

let issuer: TestIssuer;
let discoveryUrl: string;
let healthyJwks: unknown;

beforeAll(async () => {
  issuer = await createTestIssuer({ algorithms: ['ES256'] });
  discoveryUrl = `${issuer.issuer}/.well-known/openid-configuration`;
  healthyJwks = { keys: [issuer.keys[0]?.publicJwk] };
});
afterEach(() => {
  issuer.setFault(null);
  issuer.resetRequests();
});
afterAll(async () => {
  await issuer?.close();
});

const get = (url: string): Promise<Response> => fetch(url, { signal: AbortSignal.timeout(5000) });

async function expectHealthyJwks(): Promise<void> {
  const response = await get(issuer.jwksUri);
  expect(response.status).toBe(200);
  expect(await response.json()).toEqual(healthyJwks);
}

async function expectHealthyDiscovery(): Promise<void> {
  const response = await get(discoveryUrl);
  expect(response.status).toBe(200);
  expect(await response.json()).toMatchObject({ issuer: issuer.issuer, jwks_uri: issuer.jwksUri });
}

describe('setFault kinds against the JWKS URL', () => {
  it('down: the connection is dropped, so fetch rejects', async () => {
    issuer.setFault({ kind: 'down' });
    await expect(get(issuer.jwksUri)).rejects.toThrow(TypeError);
    expect(issuer.requests).toEqual({ jwks: 1, discovery: 0, total: 1 });
  });

  it('slow: responds with the JWKS after delayMs', async () => {
    issuer.setFault({ kind: 'slow', delayMs: 300 });
    const started = performance.now();
    const response = await get(issuer.jwksUri);
    const body = await response.json();
    const elapsed = performance.now() - started;
    expect(response.status).toBe(200);
    expect(body).toEqual(healthyJwks);
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(3000);
    expect(issuer.requests).toEqual({ jwks: 1, discovery: 0, total: 1 });
  });

  it('error: 500 by default', async () => {
    issuer.setFault({ kind: 'error' });
    const response = await get(issuer.jwksUri);
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ error: 'server_error' });
  });

  it('error: a custom status', async () => {
    issuer.setFault({ kind: 'error', status: 503 });
    const response = await get(issuer.jwksUri);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ error: 'server_error' });
  });

  it('invalid-json: a 200 whose body does not parse', async () => {
    issuer.setFault({ kind: 'invalid-json' });
    const response = await get(issuer.jwksUri);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    const text = await response.text();
    expect(text.length).toBeGreaterThan(0);
    expect(() => JSON.parse(text)).toThrow(SyntaxError);
  });

  it('oversized: a 200 JSON body of exactly `bytes` bytes', async () => {
    issuer.setFault({ kind: 'oversized', bytes: 100_000 });
    const response = await get(issuer.jwksUri);
    expect(response.status).toBe(200);
    const bytes = new Uint8Array(await response.arrayBuffer());
    expect(bytes.byteLength).toBe(100_000);
    const parsed = JSON.parse(Buffer.from(bytes).toString('utf8')) as { keys: unknown[]; padding: string };
    expect(parsed.keys).toEqual([]);
    expect(parsed.padding).toMatch(/^x+$/);
  });

  it('oversized: 2 MiB by default', async () => {
    issuer.setFault({ kind: 'oversized' });
    const response = await get(issuer.jwksUri);
    expect(response.status).toBe(200);
    expect((await response.arrayBuffer()).byteLength).toBe(2 * 1024 * 1024);
  });

  it('not-a-jwks: a 200 with JSON that has no keys', async () => {
    issuer.setFault({ kind: 'not-a-jwks' });
    const response = await get(issuer.jwksUri);
    expect(response.status).toBe(200);
    const body: unknown = await response.json();
    expect(body).toEqual({ hello: 'world' });
    expect(body).not.toHaveProperty('keys');
  });
});

describe('fault targets', () => {
  it("target 'all' (the default) hits both the JWKS and discovery", async () => {
    issuer.setFault({ kind: 'error', status: 502 });
    expect((await get(issuer.jwksUri)).status).toBe(502);
    expect((await get(discoveryUrl)).status).toBe(502);
    issuer.setFault({ kind: 'error', status: 504 }, 'all');
    expect((await get(issuer.jwksUri)).status).toBe(504);
    expect((await get(discoveryUrl)).status).toBe(504);
  });

  it("target 'jwks' leaves discovery working", async () => {
    issuer.setFault({ kind: 'error' }, 'jwks');
    expect((await get(issuer.jwksUri)).status).toBe(500);
    await expectHealthyDiscovery();
    issuer.setFault({ kind: 'down' }, 'jwks');
    await expect(get(issuer.jwksUri)).rejects.toThrow(TypeError);
    await expectHealthyDiscovery();
  });

  it("target 'discovery' leaves the JWKS working", async () => {
    issuer.setFault({ kind: 'not-a-jwks' }, 'discovery');
    const response = await get(discoveryUrl);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ hello: 'world' });
    expect((await get(`${issuer.issuer}/.well-known/oauth-authorization-server`)).status).toBe(200);
    await expectHealthyJwks();
  });

  it('unknown paths stay 404 whatever the fault', async () => {
    issuer.setFault({ kind: 'down' });
    const response = await get(`${issuer.issuer}/nope`);
    expect(response.status).toBe(404);
    expect(issuer.requests).toEqual({ jwks: 0, discovery: 0, total: 1 });
  });
});

describe('recovery and counting', () => {
  it('setFault(null) recovers and a later fault replaces an earlier one', async () => {
    issuer.setFault({ kind: 'error' });
    expect((await get(issuer.jwksUri)).status).toBe(500);
    issuer.setFault({ kind: 'not-a-jwks' });
    expect(await (await get(issuer.jwksUri)).json()).toEqual({ hello: 'world' });
    issuer.setFault(null);
    await expectHealthyJwks();
    await expectHealthyDiscovery();
    issuer.setFault({ kind: 'down' });
    await expect(get(issuer.jwksUri)).rejects.toThrow(TypeError);
    issuer.setFault(null);
    await expectHealthyJwks();
  });

  it('faulty responses are still counted', async () => {
    issuer.setFault({ kind: 'error' });
    await get(issuer.jwksUri);
    await get(discoveryUrl);
    issuer.setFault({ kind: 'invalid-json' }, 'jwks');
    await (await get(issuer.jwksUri)).text();
    expect(issuer.requests).toEqual({ jwks: 2, discovery: 1, total: 3 });
    issuer.setFault({ kind: 'down' }, 'jwks');
    await expect(get(issuer.jwksUri)).rejects.toThrow();
    issuer.setFault({ kind: 'slow', delayMs: 50 });
    await (await get(discoveryUrl)).text();
    expect(issuer.requests).toEqual({ jwks: 3, discovery: 2, total: 5 });
  });
});
