import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwt } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createClientCredentialsClient,
  createSigningKey,
  createTestIssuer,
  TokenEndpointError,
  type ClientCredentialsClientOptions,
  type TestIssuer,
  type TestSigningKey,
} from '../src/index.js';

let issuer: TestIssuer;
let serviceKey: TestSigningKey;

beforeAll(async () => {
  serviceKey = await createSigningKey('ES256');
  issuer = await createTestIssuer({
    algorithms: ['ES256'],
    clients: [
      { clientId: 'admin app', clientSecret: 'p@ss:w rd+%', scopes: ['orders:read', 'orders:write'] },
      { clientId: 'reader', clientSecret: 'reader-secret', authMethod: 'client_secret_post', scopes: ['orders:read'] },
      { clientId: 'service', jwks: { keys: [serviceKey.publicJwk] }, scopes: ['orders:read'] },
      { clientId: 'short', clientSecret: 'short-secret', scopes: ['orders:read'], tokenLifetime: 60 },
      { clientId: 'blink', clientSecret: 'blink-secret', scopes: ['orders:read'], tokenLifetime: 20 },
    ],
  });
});
afterEach(() => issuer.resetRequests());
afterAll(async () => {
  await issuer?.close();
});

// A clock the test moves by hand, starting at the real time (the issuer stamps tokens with it).
function manualClock() {
  let now = Date.now();
  return { now: () => now, advance: (seconds: number) => (now += seconds * 1000) };
}

const adminClient = (extra: Partial<ClientCredentialsClientOptions> = {}) =>
  createClientCredentialsClient({ tokenEndpoint: issuer.tokenEndpoint, clientId: 'admin app', clientSecret: 'p@ss:w rd+%', ...extra });

describe('authentication methods', () => {
  it('client_secret_basic (the default with a secret), with an id and secret that need form-urlencoding', async () => {
    const client = adminClient({ scope: ['orders:read'] });
    const details = await client.getTokenDetails();
    expect(details.scope).toBe('orders:read');
    expect(decodeJwt(details.accessToken)).toMatchObject({ client_id: 'admin app', scope: 'orders:read' });
  });

  it('client_secret_post', async () => {
    const client = createClientCredentialsClient({
      tokenEndpoint: issuer.tokenEndpoint,
      clientId: 'reader',
      clientSecret: 'reader-secret',
      authMethod: 'client_secret_post',
    });
    expect(decodeJwt(await client.getToken())).toMatchObject({ client_id: 'reader', scope: 'orders:read' });
  });

  it('private_key_jwt (the default with a signing key): a fresh assertion per request', async () => {
    const client = createClientCredentialsClient({
      tokenEndpoint: issuer.tokenEndpoint,
      clientId: 'service',
      signingKey: { key: serviceKey.privateKey, alg: serviceKey.alg, kid: serviceKey.kid },
    });
    expect(decodeJwt(await client.getToken())).toMatchObject({ client_id: 'service' });
    client.clear();
    // A second token request needs a second assertion: the endpoint refuses a replayed jti.
    expect(decodeJwt(await client.getToken())).toMatchObject({ client_id: 'service' });
    expect(client.requests).toBe(2);
  });

  it('refuses to be created without the credential its method needs', () => {
    expect(() => createClientCredentialsClient({ tokenEndpoint: issuer.tokenEndpoint, clientId: 'x' })).toThrow(/needs clientSecret/);
    expect(() =>
      createClientCredentialsClient({ tokenEndpoint: issuer.tokenEndpoint, clientId: 'x', clientSecret: 's', authMethod: 'private_key_jwt' }),
    ).toThrow(/needs signingKey/);
  });
});

describe('caching', () => {
  it('reuses a 300 s token until 80% of its life is spent (240 s), then fetches a new one', async () => {
    const clock = manualClock();
    const client = adminClient({ now: clock.now });
    const first = await client.getToken();
    clock.advance(239);
    expect(await client.getToken()).toBe(first);
    expect(issuer.requests.token).toBe(1);
    clock.advance(1);
    const second = await client.getToken();
    expect(second).not.toBe(first);
    expect(issuer.requests.token).toBe(2);
    expect(client.requests).toBe(2);
  });

  it('refreshes a 60 s token when less than 30 s are left', async () => {
    const clock = manualClock();
    const client = createClientCredentialsClient({ tokenEndpoint: issuer.tokenEndpoint, clientId: 'short', clientSecret: 'short-secret', now: clock.now });
    const details = await client.getTokenDetails();
    expect(details.refreshAt - clock.now()).toBe(30_000);
    expect(details.expiresAt - clock.now()).toBe(60_000);
    clock.advance(29);
    await client.getToken();
    expect(client.requests).toBe(1);
    clock.advance(1);
    await client.getToken();
    expect(client.requests).toBe(2);
  });

  it('still reuses a token shorter than 30 s, until half its life', async () => {
    const clock = manualClock();
    const client = createClientCredentialsClient({ tokenEndpoint: issuer.tokenEndpoint, clientId: 'blink', clientSecret: 'blink-secret', now: clock.now });
    const details = await client.getTokenDetails();
    expect(details.refreshAt - clock.now()).toBe(10_000);
    clock.advance(9);
    expect(await client.getToken()).toBe(details.accessToken);
    expect(client.requests).toBe(1);
  });

  it('concurrent callers share one token request', async () => {
    const client = adminClient();
    const tokens = await Promise.all(Array.from({ length: 8 }, () => client.getToken()));
    expect(new Set(tokens).size).toBe(1);
    expect(issuer.requests.token).toBe(1);
    expect(client.requests).toBe(1);
  });

  it('clear() drops the cached token', async () => {
    const client = adminClient();
    const first = await client.getToken();
    client.clear();
    expect(await client.getToken()).not.toBe(first);
    expect(client.requests).toBe(2);
  });
});

describe('failures', () => {
  it('an error answer becomes a TokenEndpointError with the RFC 6749 code, without the secret', async () => {
    const client = adminClient({ clientSecret: 'wrong secret value' });
    const error = await client.getToken().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TokenEndpointError);
    expect(error).toMatchObject({ status: 401, error: 'invalid_client', description: 'client authentication failed' });
    expect(String((error as Error).message)).not.toContain('wrong secret value');
    const scoped = adminClient({ scope: 'orders:delete' });
    await expect(scoped.getToken()).rejects.toMatchObject({ status: 400, error: 'invalid_scope' });
  });

  it('a failed request is not cached: the next call tries again', async () => {
    let fail = true;
    const flaky: typeof fetch = (input, init) => (fail ? Promise.reject(new TypeError('connection reset')) : fetch(input, init));
    const client = adminClient({ fetch: flaky });
    await expect(client.getToken()).rejects.toMatchObject({ status: 0, error: 'request_failed' });
    fail = false;
    await expect(client.getToken()).resolves.toMatch(/^ey/);
    expect(client.requests).toBe(2);
  });

  describe('against a misbehaving token endpoint', () => {
    let answer: { status: number; body: string };
    let url: string;
    const server = createServer((_req, res) => {
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
    });
    beforeAll(async () => {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`;
    });
    afterAll(async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });
    const attempt = () => createClientCredentialsClient({ tokenEndpoint: url, clientId: 'c', clientSecret: 's' }).getToken();

    it.each([
      ['a DPoP token', { access_token: 'abc', token_type: 'DPoP', expires_in: 60 }],
      ['no access_token', { token_type: 'Bearer', expires_in: 60 }],
      ['a negative expires_in', { access_token: 'abc', token_type: 'Bearer', expires_in: -5 }],
    ])('refuses a 200 with %s as invalid_response', async (_name, body) => {
      answer = { status: 200, body: JSON.stringify(body) };
      await expect(attempt()).rejects.toMatchObject({ error: 'invalid_response' });
    });

    it('refuses a response over 64 KiB and a non-JSON error page', async () => {
      answer = { status: 200, body: JSON.stringify({ access_token: 'x'.repeat(70 * 1024), token_type: 'Bearer' }) };
      await expect(attempt()).rejects.toMatchObject({ status: 0, error: 'request_failed' });
      answer = { status: 502, body: '<html>bad gateway</html>' };
      await expect(attempt()).rejects.toMatchObject({ status: 502, error: 'invalid_response' });
    });

    it('does not cache a token without expires_in', async () => {
      answer = { status: 200, body: JSON.stringify({ access_token: 'abc', token_type: 'bearer' }) };
      const client = createClientCredentialsClient({ tokenEndpoint: url, clientId: 'c', clientSecret: 's' });
      expect(await client.getToken()).toBe('abc');
      expect(await client.getToken()).toBe('abc');
      expect(client.requests).toBe(2);
    });
  });
});
