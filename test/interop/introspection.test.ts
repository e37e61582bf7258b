// Interop: opaque access tokens issued by oidc-provider (a real, independent authorization server) and
// checked by introspection (RFC 7662): each client authentication, signed responses (RFC 9701), revocation
// (RFC 7009) within the cache window, unknown tokens, an endpoint that is down; through Express 5, Koa 3 and Fastify 5.
import { createServer } from 'node:net';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import {
  createVerifier,
  INTROSPECTION_CHANNEL,
  IntrospectionUnavailableError,
  InvalidTokenError,
  type AdapterOptions,
  type IntrospectionEvent,
  type IntrospectionOptions,
} from '@tollgate/core';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { leaks } from '../support/leaks.js';
import { API_CLIENTS, CLIENT_A, CLIENT_O, generateSigningKey, ORDERS_API, startOidcProvider, type OidcProviderServer } from './oidc-provider-server.js';
import { ORDERS_APPS, type AuthView, type OrdersApp } from './orders-apps.js';
import { requestToken } from './request-token.js';

const INTROSPECTION = '/token/introspection';

let server: OidcProviderServer;
let apiPrivateJwk: JWK;
// Client O's opaque tokens: orders:read orders:write, and orders:read only.
let opaqueToken: string;
let readOnlyToken: string;
// Client A's JWT access token, verified locally.
let jwtToken: string;

const opaque = async (scope: string) => (await requestToken(server.issuer, CLIENT_O, { resource: ORDERS_API, scope })).access_token;

/** Revokes a token at the provider as client O (RFC 7009 section 2.1). */
async function revoke(token: string): Promise<void> {
  const response = await fetch(`${server.issuer}/token/revocation`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${CLIENT_O.id}:${CLIENT_O.secret}`).toString('base64')}`,
    },
    body: new URLSearchParams({ token, token_type_hint: 'access_token' }),
  });
  expect(response.status).toBe(200);
}

const basic: IntrospectionOptions = { clientId: API_CLIENTS.basic.id, clientSecret: API_CLIENTS.basic.secret };
const optionsFor = (introspection: IntrospectionOptions, extra: Partial<AdapterOptions> = {}): AdapterOptions => ({
  issuer: server.issuer,
  audience: ORDERS_API,
  allowInsecureRequests: true,
  introspection,
  ...extra,
});

/** Collects the introspection failure events published while `run` runs. */
async function eventsOf(run: () => Promise<unknown>): Promise<IntrospectionEvent[]> {
  const events: IntrospectionEvent[] = [];
  const listener = (event: unknown) => events.push(event as IntrospectionEvent);
  subscribe(INTROSPECTION_CHANNEL, listener);
  try {
    await run();
  } finally {
    unsubscribe(INTROSPECTION_CHANNEL, listener);
  }
  return events;
}

/** A port on 127.0.0.1 that nothing listens on. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', () => resolve()));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

beforeAll(async () => {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  apiPrivateJwk = await exportJWK(privateKey);
  const apiPublicJwk = { ...(await exportJWK(publicKey)), kid: 'orders-api-1', alg: 'ES256', use: 'sig' };
  server = await startOidcProvider({
    keys: [await generateSigningKey('rsa-1', 'RS256'), await generateSigningKey('ec-1', 'ES256')],
    introspection: { apiKey: apiPublicJwk },
  });
  [opaqueToken, readOnlyToken] = await Promise.all([opaque('orders:read orders:write'), opaque('orders:read')]);
  jwtToken = (await requestToken(server.issuer, CLIENT_A, { resource: ORDERS_API, scope: 'orders:read' })).access_token;
});

afterAll(async () => {
  expect(server.serverErrors).toEqual([]);
  await server.close();
});

describe('introspection at oidc-provider, through the core verifier', () => {
  test('the provider issues client O opaque tokens and publishes its introspection_endpoint', async () => {
    expect(opaqueToken).not.toContain('.');
    const metadata = (await (await fetch(`${server.issuer}/.well-known/oauth-authorization-server`)).json()) as { introspection_endpoint?: string };
    expect(metadata.introspection_endpoint).toBe(`${server.issuer}${INTROSPECTION}`);
  });

  test('an opaque token is introspected at the discovered endpoint (client_secret_basic with form-urlencoded id and secret) and reads like a JWT', async () => {
    const verifier = createVerifier(optionsFor(basic));
    const token = await verifier.verify(opaqueToken);
    expect(token).toMatchObject({
      verifiedBy: 'introspection',
      clientId: CLIENT_O.id,
      issuer: server.issuer,
      audience: [ORDERS_API],
      scopes: ['orders:read', 'orders:write'],
      header: {},
    });
    expect(token.expiresAt.getTime()).toBeGreaterThan(Date.now());
    expect(token.claims).not.toHaveProperty('active');
    expect(Object.isFrozen(token.claims)).toBe(true);
  });

  test('a JWT access token is still verified locally: the introspection endpoint is not asked', async () => {
    const verifier = createVerifier(optionsFor(basic));
    const before = server.hits(INTROSPECTION);
    expect(await verifier.verify(jwtToken)).toMatchObject({ verifiedBy: 'jwt', clientId: CLIENT_A.id });
    expect(server.hits(INTROSPECTION)).toBe(before);
  });

  test("tokens: 'all' sends JWTs to the endpoint too; oidc-provider will not introspect its JWTs, so the token is refused (401), not passed", async () => {
    const verifier = createVerifier(optionsFor({ ...basic, tokens: 'all' }));
    const before = server.hits(INTROSPECTION);
    await expect(verifier.verify(jwtToken)).rejects.toMatchObject({ status: 401, reason: 'inactive' });
    expect(server.hits(INTROSPECTION)).toBe(before + 1);
  });

  test('the API authenticates by client_secret_post', async () => {
    const verifier = createVerifier(optionsFor({ clientId: API_CLIENTS.post.id, clientSecret: API_CLIENTS.post.secret, clientAuth: 'client_secret_post' }));
    expect(await verifier.verify(readOnlyToken)).toMatchObject({ verifiedBy: 'introspection', scopes: ['orders:read'] });
  });

  test('the API authenticates by private_key_jwt (assertion audience: the issuer) at a configured endpoint', async () => {
    const verifier = createVerifier(
      optionsFor({
        endpoint: `${server.issuer}${INTROSPECTION}`,
        clientId: API_CLIENTS.privateKeyJwt.id,
        privateKey: { key: apiPrivateJwk, kid: 'orders-api-1', alg: 'ES256' },
      }),
    );
    expect(await verifier.verify(readOnlyToken)).toMatchObject({ verifiedBy: 'introspection', scopes: ['orders:read'] });
  });

  test('client credentials the endpoint refuses are a 503 with Retry-After and an event saying so, without the secret', async () => {
    const secret = 'a-wrong-secret-that-must-not-be-logged';
    const verifier = createVerifier(optionsFor({ clientId: API_CLIENTS.basic.id, clientSecret: secret, cooldown: '7s' }));
    let refusal: unknown;
    const events = await eventsOf(async () => {
      refusal = await verifier.verify(opaqueToken).catch((error: unknown) => error);
    });
    expect(refusal).toBeInstanceOf(IntrospectionUnavailableError);
    expect(refusal).toMatchObject({ status: 503, code: 'temporarily_unavailable', reason: 'introspection_unavailable', retryAfter: 7 });
    expect((refusal as IntrospectionUnavailableError).headers['Retry-After']).toBe('7');
    expect(events).toEqual([expect.objectContaining({ outcome: 'failed', problem: 'client_credentials', source: `${server.issuer}${INTROSPECTION}` })]);
    expect(JSON.stringify(events)).not.toContain(secret);
    expect(JSON.stringify(events)).not.toContain(opaqueToken);
  });

  test('RFC 9701: a signed introspection response is verified with the issuer keys and read', async () => {
    const verifier = createVerifier(optionsFor({ clientId: API_CLIENTS.signed.id, clientSecret: API_CLIENTS.signed.secret, jwtResponse: true }));
    const jwksBefore = server.hits('/jwks');
    expect(await verifier.verify(opaqueToken)).toMatchObject({ verifiedBy: 'introspection', clientId: CLIENT_O.id, scopes: ['orders:read', 'orders:write'] });
    expect(server.hits('/jwks')).toBe(jwksBefore + 1);
  });

  test('jwtResponse: true with a client registered without an algorithm: the provider signs with its default RS256, which verifies too', async () => {
    const verifier = createVerifier(optionsFor({ ...basic, jwtResponse: true }));
    expect(await verifier.verify(readOnlyToken)).toMatchObject({ verifiedBy: 'introspection', scopes: ['orders:read'] });
  });

  test('a token made up by the client is not active: 401 invalid_token, and a retry within the negative window asks no more', async () => {
    const verifier = createVerifier(optionsFor(basic));
    const before = server.hits(INTROSPECTION);
    const madeUp = 'x'.repeat(43);
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const refusal = await verifier.verify(madeUp).catch((error: unknown) => error);
      expect(refusal).toBeInstanceOf(InvalidTokenError);
      expect(refusal).toMatchObject({ status: 401, reason: 'inactive', description: 'token is not active' });
    }
    expect(server.hits(INTROSPECTION)).toBe(before + 1);
  });

  test('concurrent requests with one new token make one introspection request', async () => {
    const verifier = createVerifier(optionsFor(basic));
    const token = await opaque('orders:read');
    const before = server.hits(INTROSPECTION);
    const results = await Promise.all(Array.from({ length: 10 }, () => verifier.verify(token)));
    expect(results.every((result) => result.clientId === CLIENT_O.id)).toBe(true);
    expect(server.hits(INTROSPECTION)).toBe(before + 1);
  });

  test('a revoked token is accepted from the cache until maxAge, then refused (the revocation window)', async () => {
    let elapsed = 0;
    const verifier = createVerifier(optionsFor({ ...basic, cache: { maxAge: '30s' } }, { now: () => Date.now() + elapsed }));
    const token = await opaque('orders:read');
    expect((await verifier.verify(token)).verifiedBy).toBe('introspection');
    await revoke(token);
    const before = server.hits(INTROSPECTION);
    elapsed = 29_000;
    expect((await verifier.verify(token)).clientId).toBe(CLIENT_O.id);
    expect(server.hits(INTROSPECTION)).toBe(before);
    elapsed = 31_000;
    await expect(verifier.verify(token)).rejects.toMatchObject({ status: 401, reason: 'inactive' });
    expect(server.hits(INTROSPECTION)).toBe(before + 1);
  });

  test('an endpoint that is down is a 503 with Retry-After, and no request is sent during the cooldown', async () => {
    const endpoint = `http://127.0.0.1:${await closedPort()}/introspect`;
    const verifier = createVerifier(optionsFor({ ...basic, endpoint, cooldown: '10s' }));
    const events = await eventsOf(async () => {
      await expect(verifier.verify(opaqueToken)).rejects.toMatchObject({ status: 503, retryAfter: 10 });
      await expect(verifier.verify(readOnlyToken)).rejects.toMatchObject({ status: 503, reason: 'introspection_unavailable' });
    });
    expect(events).toEqual([expect.objectContaining({ problem: 'endpoint', source: endpoint })]);
  });
});

interface Answer {
  status: number;
  wwwAuthenticate: string | null;
  retryAfter: string | null;
  text: string;
}

async function call(app: OrdersApp, method: 'GET' | 'POST', token: string): Promise<Answer> {
  const response = await fetch(`${app.url}/orders`, { method, headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(5_000) });
  return { status: response.status, wwwAuthenticate: response.headers.get('www-authenticate'), retryAfter: response.headers.get('retry-after'), text: await response.text() };
}

describe.each(ORDERS_APPS)('opaque tokens through %s over HTTP', (_framework, start) => {
  let app: OrdersApp;
  let down: OrdersApp;
  beforeAll(async () => {
    app = await start(optionsFor(basic));
    down = await start(optionsFor({ ...basic, endpoint: `http://127.0.0.1:${await closedPort()}/introspect` }));
  });
  afterAll(async () => {
    await Promise.all([app.close(), down.close()]);
  });

  test('GET with an opaque token: 200, with its client and scopes', async () => {
    const answer = await call(app, 'GET', opaqueToken);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text) as AuthView).toMatchObject({ clientId: CLIENT_O.id, issuer: server.issuer, scopes: ['orders:read', 'orders:write'], audience: [ORDERS_API] });
  });

  test('POST with the read-only opaque token: 403 insufficient_scope', async () => {
    const answer = await call(app, 'POST', readOnlyToken);
    expect(answer.status).toBe(403);
    expect(answer.wwwAuthenticate).toBe('Bearer realm="api", error="insufficient_scope", error_description="token lacks a required scope", scope="orders:write"');
  });

  test('a JWT of client A still passes, verified locally', async () => {
    expect((await call(app, 'GET', jwtToken)).status).toBe(200);
  });

  test('an unknown token: 401 invalid_token "token is not active", nothing of it echoed', async () => {
    const unknown = 'unknown-opaque-token-0123456789';
    const answer = await call(app, 'GET', unknown);
    expect(answer.status).toBe(401);
    expect(answer.wwwAuthenticate).toBe('Bearer realm="api", error="invalid_token", error_description="token is not active"');
    expect(leaks(answer.text, unknown)).toEqual([]);
  });

  test('the endpoint down: 503 temporarily_unavailable with Retry-After, never 401', async () => {
    const answer = await call(down, 'GET', opaqueToken);
    expect(answer.status).toBe(503);
    expect(answer.retryAfter).toBe('5');
    expect(JSON.parse(answer.text)).toEqual({ error: 'temporarily_unavailable', error_description: 'token introspection is temporarily unavailable' });
  });
});
