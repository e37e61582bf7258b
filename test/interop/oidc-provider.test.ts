// Interop: tokens issued over HTTP by oidc-provider, a real and independent authorization server
// (client_credentials grant, RFC 8707 resource indicators, RFC 9068 JWT access tokens), checked by
// tollgate's Express 5, Koa 3 and Fastify 5 adapters in strict mode, including a signing key rotation.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { createVerifier, InvalidTokenError, JWKS_CHANNEL, type AdapterOptions } from '@tollgate/core';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { leaks } from '../support/leaks.js';
import {
  BILLING_API,
  CLIENT_A,
  CLIENT_B,
  generateSigningKey,
  ORDERS_API,
  startOidcProvider,
  type OidcProviderServer,
  type SigningKey,
} from './oidc-provider-server.js';
import { ORDERS_APPS, type AuthView, type OrdersApp } from './orders-apps.js';
import { requestToken, TokenRequestError } from './request-token.js';

const RFC8414_METADATA = '/.well-known/oauth-authorization-server';
const OIDC_METADATA = '/.well-known/openid-configuration';
// RFC 9068 section 2.2: the claims every JWT access token carries.
const RFC9068_CLAIMS = ['aud', 'client_id', 'exp', 'iat', 'iss', 'jti', 'sub'];
const CHALLENGE = {
  audience: 'Bearer realm="api", error="invalid_token", error_description="audience mismatch"',
  unknownKey: 'Bearer realm="api", error="invalid_token", error_description="unknown signing key"',
  writeScope: 'Bearer realm="api", error="insufficient_scope", error_description="token lacks a required scope", scope="orders:write"',
};

interface Answer {
  status: number;
  wwwAuthenticate: string | null;
  text: string;
}

/** Calls the app over HTTP on 127.0.0.1 with a bearer token. */
async function call(app: OrdersApp, method: 'GET' | 'POST', token: string): Promise<Answer> {
  const response = await fetch(`${app.url}/orders`, {
    method,
    headers: { authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(5_000),
  });
  return { status: response.status, wwwAuthenticate: response.headers.get('www-authenticate'), text: await response.text() };
}

const view = (answer: Answer): AuthView => JSON.parse(answer.text) as AuthView;

/** The adapter options of every app: the provider's exact issuer string, this API's resource indicator. */
const optionsFor = (server: OidcProviderServer, extra: Partial<AdapterOptions> = {}): AdapterOptions => ({
  issuer: server.issuer,
  audience: ORDERS_API,
  strict: true,
  allowInsecureRequests: true,
  ...extra,
});

let rsaKey: SigningKey;
let ecKey: SigningKey;
let rotatedKey: SigningKey;

beforeAll(async () => {
  [rsaKey, ecKey, rotatedKey] = await Promise.all([
    generateSigningKey('rsa-2026-01', 'RS256'),
    generateSigningKey('ec-2026-01', 'ES256'),
    generateSigningKey('rsa-2026-02', 'RS256'),
  ]);
});

describe('tokens from oidc-provider', () => {
  let server: OidcProviderServer;
  // Client A: orders:read orders:write (client_secret_basic, RS256); client B: orders:read (client_secret_post, ES256).
  let tokenA: string;
  let tokenB: string;
  // Client A's token for another API of the same issuer.
  let billingToken: string;

  beforeAll(async () => {
    server = await startOidcProvider({ keys: [rsaKey, ecKey] });
    [tokenA, tokenB, billingToken] = await Promise.all([
      requestToken(server.issuer, CLIENT_A, { resource: ORDERS_API, scope: 'orders:read orders:write' }),
      requestToken(server.issuer, CLIENT_B, { resource: ORDERS_API, scope: 'orders:read' }),
      requestToken(server.issuer, CLIENT_A, { resource: BILLING_API, scope: 'billing:read' }),
    ]).then((responses) => responses.map((response) => response.access_token));
  });

  afterAll(async () => {
    expect(server.serverErrors).toEqual([]);
    await server.close();
  });

  test('the provider names its issuer without a trailing slash, in both metadata documents and in iss', async () => {
    expect(server.issuer).toBe(`http://127.0.0.1:${server.port}`);
    for (const path of [RFC8414_METADATA, OIDC_METADATA]) {
      const metadata = (await (await fetch(`${server.issuer}${path}`)).json()) as { issuer: string; jwks_uri: string };
      expect(metadata).toMatchObject({ issuer: server.issuer, jwks_uri: `${server.issuer}/jwks` });
    }
    for (const token of [tokenA, tokenB, billingToken]) expect(decodeJwt(token).iss).toBe(server.issuer);
  });

  test('the provider grants each client only its own scopes', async () => {
    await expect(requestToken(server.issuer, CLIENT_B, { resource: ORDERS_API, scope: 'orders:read orders:write' })).rejects.toEqual(
      new TokenRequestError(400, 'invalid_scope'),
    );
    await expect(requestToken(server.issuer, CLIENT_A, { resource: 'https://unknown.api.test', scope: 'orders:read' })).rejects.toEqual(
      new TokenRequestError(400, 'invalid_target'),
    );
  });

  test('a verifier configured with a trailing slash refuses the tokens as from another issuer, without fetching', async () => {
    const verifier = createVerifier({ ...optionsFor(server), issuer: `${server.issuer}/` });
    const before = server.hits('/jwks');
    await expect(verifier.verify(tokenA)).rejects.toMatchObject({ status: 401, code: 'invalid_token', reason: 'issuer' });
    expect(server.hits('/jwks')).toBe(before);
  });

  test('the core verifier gives the audience reason for a token minted for the billing API', async () => {
    const verifier = createVerifier(optionsFor(server));
    const refusal = await verifier.verify(billingToken).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(InvalidTokenError);
    expect(refusal).toMatchObject({ status: 401, code: 'invalid_token', reason: 'audience' });
    expect((refusal as InvalidTokenError).wwwAuthenticate()).toBe(CHALLENGE.audience);
  });

  describe.each(ORDERS_APPS)('through %s', (_framework, start) => {
    let app: OrdersApp;
    beforeAll(async () => {
      app = await start(optionsFor(server));
    });
    afterAll(async () => {
      await app.close();
    });

    test('accepts the RFC 9068 token of client A in strict mode and exposes its client, scopes and audience', async () => {
      const discoveryBefore = server.hits(RFC8414_METADATA);
      const oidcDiscoveryBefore = server.hits(OIDC_METADATA);
      const answer = await call(app, 'GET', tokenA);
      expect(answer.status).toBe(200);
      expect(view(answer)).toEqual({
        clientId: CLIENT_A.id,
        subject: CLIENT_A.id, // oidc-provider's sub for client_credentials is the client (RFC 9068 section 2.2)
        issuer: server.issuer,
        audience: [ORDERS_API],
        scopes: ['orders:read', 'orders:write'],
        header: { alg: 'RS256', typ: 'at+jwt', kid: rsaKey.kid },
        claims: expect.arrayContaining(RFC9068_CLAIMS) as unknown as string[],
      });
      // Discovery ran once against the provider, which serves RFC 8414 metadata: no OpenID Connect fallback needed.
      expect(server.hits(RFC8414_METADATA)).toBe(discoveryBefore + 1);
      expect(server.hits(OIDC_METADATA)).toBe(oidcDiscoveryBefore);
      expect((await call(app, 'POST', tokenA)).status).toBe(201);
    });

    test('accepts the ES256 token of client B (client_secret_post) for GET', async () => {
      const answer = await call(app, 'GET', tokenB);
      expect(answer.status).toBe(200);
      expect(view(answer)).toMatchObject({ clientId: CLIENT_B.id, scopes: ['orders:read'], header: { alg: 'ES256', typ: 'at+jwt', kid: ecKey.kid } });
    });

    test('refuses the token of client B on POST: 403 insufficient_scope with scope="orders:write"', async () => {
      const answer = await call(app, 'POST', tokenB);
      expect(answer.status).toBe(403);
      expect(answer.wwwAuthenticate).toBe(CHALLENGE.writeScope);
      expect(JSON.parse(answer.text)).toEqual({ error: 'insufficient_scope', error_description: 'token lacks a required scope' });
      expect(leaks(answer.text, tokenB)).toEqual([]);
    });

    test('refuses a token the provider minted for the billing API: 401 invalid_token, audience mismatch', async () => {
      const answer = await call(app, 'GET', billingToken);
      expect(answer.status).toBe(401);
      expect(answer.wwwAuthenticate).toBe(CHALLENGE.audience);
      expect(JSON.parse(answer.text)).toEqual({ error: 'invalid_token', error_description: 'audience mismatch' });
      expect(leaks(answer.text, billingToken)).toEqual([]);
    });
  });
});

describe('signing key rotation at oidc-provider', () => {
  describe.each(ORDERS_APPS)('through %s', (_framework, start) => {
    test('a new kid verifies on first use; a removed kid is refused once a refresh after cacheMaxAge shows it gone', async () => {
      // The verifier's clock, moved forward instead of sleeping; the provider keeps real time (tokens live 10 min).
      let elapsed = 0;
      const now = () => Date.now() + elapsed;
      let server = await startOidcProvider({ keys: [rsaKey, ecKey] });
      const { issuer, port } = server;
      const app = await start(optionsFor(server, { jwks: { cacheMaxAge: '60s', cooldown: '30s' }, now }));
      const token = async () => (await requestToken(issuer, CLIENT_A, { resource: ORDERS_API, scope: 'orders:read' })).access_token;
      // Restarts the provider on the same port, so the issuer (and the app's configuration) stays the same.
      const restart = async (keys: SigningKey[]) => {
        await server.close();
        server = await startOidcProvider({ keys, port });
        expect(server.issuer).toBe(issuer);
      };
      try {
        const oldToken = await token();
        expect((await call(app, 'GET', oldToken)).status).toBe(200);
        expect(server.hits('/jwks')).toBe(1);

        // 1. The provider publishes a new key first (it signs from now on) and keeps the old one.
        await restart([rotatedKey, rsaKey, ecKey]);
        const newToken = await token();
        expect(decodeProtectedHeader(newToken).kid).toBe(rotatedKey.kid);
        elapsed += 1_000; // well within cacheMaxAge and the cooldown: no waiting for either
        const first = await call(app, 'GET', newToken);
        expect(first.status).toBe(200);
        expect(view(first).header.kid).toBe(rotatedKey.kid);
        expect(server.hits('/jwks')).toBe(1); // the unknown kid made one refetch, at once
        expect(server.hits(RFC8414_METADATA)).toBe(0); // the jwks_uri discovered before is kept
        expect((await call(app, 'GET', oldToken)).status).toBe(200); // still published
        expect(server.hits('/jwks')).toBe(1);

        // 2. The old key is withdrawn. Until cacheMaxAge passes tollgate still holds it (the documented bound).
        await restart([rotatedKey, ecKey]);
        expect((await call(app, 'GET', oldToken)).status).toBe(200);
        expect(server.hits('/jwks')).toBe(0);

        // 3. Past cacheMaxAge the keys in hand still answer while they are refreshed in the background;
        // once that refresh lands, the old kid is refused, cached verification or not.
        elapsed += 61_000;
        const fetched: unknown[] = [];
        const onJwks = (event: unknown) => fetched.push(event);
        subscribe(JWKS_CHANNEL, onJwks);
        try {
          expect((await call(app, 'GET', oldToken)).status).toBe(200);
          await vi.waitFor(() => expect(fetched).toHaveLength(1));
        } finally {
          unsubscribe(JWKS_CHANNEL, onJwks);
        }
        expect(server.hits('/jwks')).toBe(1);
        const refused = await call(app, 'GET', oldToken);
        expect(refused.status).toBe(401);
        expect(refused.wwwAuthenticate).toBe(CHALLENGE.unknownKey);
        expect(leaks(refused.text, oldToken)).toEqual([]);
        // One lookup of the missing kid: the background refresh began before this request, so it is no proof.
        expect(server.hits('/jwks')).toBe(2);
        expect((await call(app, 'GET', newToken)).status).toBe(200);
        expect(server.hits('/jwks')).toBe(2);
        expect(server.serverErrors).toEqual([]);
      } finally {
        await app.close();
        await server.close();
      }
    });
  });
});
