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
    expect(issuer.requests).toEqual({ jwks: 1, discovery: 0, token: 0, introspection: 0, total: 1 });
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
    expect(issuer.requests).toEqual({ jwks: 1, discovery: 0, token: 0, introspection: 0, total: 1 });
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
    expect(issuer.requests).toEqual({ jwks: 0, discovery: 0, token: 0, introspection: 0, total: 1 });
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
    expect(issuer.requests).toEqual({ jwks: 2, discovery: 1, token: 0, introspection: 0, total: 3 });
    issuer.setFault({ kind: 'down' }, 'jwks');
    await expect(get(issuer.jwksUri)).rejects.toThrow();
    issuer.setFault({ kind: 'slow', delayMs: 50 });
    await (await get(discoveryUrl)).text();
    expect(issuer.requests).toEqual({ jwks: 3, discovery: 2, token: 0, introspection: 0, total: 5 });
  });
});

describe('redirect faults', () => {
  it('redirect: a 302 (or the given status) to `location`, which a following client then fetches', async () => {
    issuer.setFault({ kind: 'redirect', location: discoveryUrl }, 'jwks');
    const manual = await fetch(issuer.jwksUri, { redirect: 'manual', signal: AbortSignal.timeout(5000) });
    expect(manual.status).toBe(302);
    expect(manual.headers.get('location')).toBe(discoveryUrl);

    issuer.setFault({ kind: 'redirect', location: discoveryUrl, status: 308 }, 'jwks');
    const followed = await get(issuer.jwksUri);
    expect(followed.redirected).toBe(true);
    expect(followed.url).toBe(discoveryUrl);
    expect(await followed.json()).toMatchObject({ jwks_uri: issuer.jwksUri });
    expect(issuer.requests).toEqual({ jwks: 2, discovery: 1, token: 0, introspection: 0, total: 3 });
  });

  it('redirect-loop: two URLs of the endpoint redirect to each other', async () => {
    issuer.setFault({ kind: 'redirect-loop' }, 'jwks');
    const first = await fetch(issuer.jwksUri, { redirect: 'manual', signal: AbortSignal.timeout(5000) });
    expect(first.status).toBe(302);
    expect(first.headers.get('location')).toBe('/.well-known/jwks.json?redirected=1');
    const second = await fetch(`${issuer.jwksUri}?redirected=1`, { redirect: 'manual', signal: AbortSignal.timeout(5000) });
    expect(second.status).toBe(302);
    expect(second.headers.get('location')).toBe('/.well-known/jwks.json');
    expect(issuer.requests).toEqual({ jwks: 2, discovery: 0, token: 0, introspection: 0, total: 2 });
  });

  it('redirect-loop: a following client gives up after its redirect limit, and every hop is counted', async () => {
    issuer.setFault({ kind: 'redirect-loop', status: 307 }, 'jwks');
    const error = await get(issuer.jwksUri).then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(TypeError);
    expect(((error as TypeError).cause as Error).message).toBe('redirect count exceeded');
    // Node's fetch follows 20 redirects: the first request and 20 hops.
    expect(issuer.requests.jwks).toBe(21);
    await expectHealthyDiscovery();
  });
});

describe('key-set faults', () => {
  it('wrong-use: the current keys, every one marked use "enc"', async () => {
    issuer.setFault({ kind: 'wrong-use' });
    const response = await get(issuer.jwksUri);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { keys: Array<Record<string, unknown>> };
    expect(body.keys).toHaveLength(1);
    expect(body.keys[0]).toEqual({ ...issuer.keys[0]!.publicJwk, use: 'enc' });
    // The issuer's own key is untouched: the fault only changes what is served.
    expect(issuer.keys[0]!.publicJwk.use).toBe('sig');
    // A document without keys (discovery) is sent as it is.
    await expectHealthyDiscovery();
    issuer.setFault(null);
    await expectHealthyJwks();
  });

  it('empty-keys: a well-formed key set with no keys', async () => {
    issuer.setFault({ kind: 'empty-keys' }, 'jwks');
    const response = await get(issuer.jwksUri);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ keys: [] });
    expect(issuer.requests).toEqual({ jwks: 1, discovery: 0, token: 0, introspection: 0, total: 1 });
  });
});

describe('oversized bodies with and without Content-Length', () => {
  const FIVE_MIB = 5 * 1024 * 1024;

  it('declares Content-Length by default (5 MiB)', async () => {
    issuer.setFault({ kind: 'oversized', bytes: FIVE_MIB });
    const response = await get(issuer.jwksUri);
    expect(response.headers.get('content-length')).toBe(String(FIVE_MIB));
    expect(response.headers.get('transfer-encoding')).toBeNull();
    expect((await response.arrayBuffer()).byteLength).toBe(FIVE_MIB);
  });

  it('chunked: no Content-Length, the same 5 MiB of valid JSON sent chunked', async () => {
    issuer.setFault({ kind: 'oversized', bytes: FIVE_MIB, chunked: true });
    const response = await get(issuer.jwksUri);
    expect(response.headers.get('content-length')).toBeNull();
    expect(response.headers.get('transfer-encoding')).toBe('chunked');
    const text = Buffer.from(await response.arrayBuffer()).toString('utf8');
    expect(text.length).toBe(FIVE_MIB);
    expect((JSON.parse(text) as { keys: unknown[] }).keys).toEqual([]);
  });

  it('a body smaller than the JSON frame is still valid JSON (24 bytes)', async () => {
    issuer.setFault({ kind: 'oversized', bytes: 1, chunked: true });
    const response = await get(issuer.jwksUri);
    expect(await response.json()).toEqual({ keys: [], padding: '' });
  });

  it.each([false, true])('chunked %s: the issuer keeps serving after a client gives up mid-body', async (chunked) => {
    issuer.setFault({ kind: 'oversized', bytes: 64 * 1024 * 1024, chunked });
    const response = await get(issuer.jwksUri);
    const reader = response.body!.getReader();
    const { value } = await reader.read();
    expect(value!.byteLength).toBeGreaterThan(0);
    await reader.cancel();
    issuer.setFault(null);
    await expectHealthyJwks();
  });
});
