// Interop, RFC 8705 section 3: oidc-provider (mTLS feature, certificate-bound access tokens) is the real issuer.
// A client gets a client-credentials token over a TLS connection with its certificate, then calls Express, Koa
// and Fastify apps over HTTPS: with that certificate 200, with another certificate or none 401.
import { once } from 'node:events';
import { createServer as createHttpsServer, request as httpsRequest, type Server as HttpsServer } from 'node:https';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import Provider, { errors, type ResourceServerInfo } from 'oidc-provider';
import * as tollgateExpress from '@tollgate/express';
import tollgateFastify from '@tollgate/fastify';
import * as tollgateKoa from '@tollgate/koa';
import type { VerifierOptions } from '@tollgate/core';
import { createTestCertificates, type TestCertificate, type TestCertificates } from '@tollgate/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import express from 'express';
import Koa from 'koa';
import fastify from 'fastify';
import { memoryAdapter } from './memory-adapter.js';

const ORDERS_API = 'https://orders.api.test';
const CLIENT = { id: 'bound-client', secret: 'bound-client-secret-for-tests-only' };

let certs: TestCertificates;
let other: TestCertificate;
let providerServer: HttpsServer;
let issuer: string;
let publicJwk: JWK;

beforeAll(async () => {
  certs = await createTestCertificates();
  other = await certs.createClient({ commonName: 'other' });
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const kid = 'mtls-interop';
  publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
  let listener: ((req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void) | undefined;
  providerServer = createHttpsServer(certs.serverOptions(), (req, res) => {
    if (listener) listener(req, res);
    else res.writeHead(503).end();
  });
  providerServer.listen(0, '127.0.0.1');
  await once(providerServer, 'listening');
  issuer = `https://127.0.0.1:${(providerServer.address() as AddressInfo).port}`;
  const provider = new Provider(issuer, {
    adapter: memoryAdapter(new Map()),
    clients: [
      {
        client_id: CLIENT.id,
        client_secret: CLIENT.secret,
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: 'client_secret_basic',
        scope: 'orders:read',
        // The provider's only key is ES256 (its default, RS256, would need an RSA key).
        id_token_signed_response_alg: 'ES256',
        // RFC 8705 section 3.4: every access token of this client is bound to its TLS client certificate.
        tls_client_certificate_bound_access_tokens: true,
      },
    ],
    jwks: { keys: [{ ...(await exportJWK(privateKey)), kid, alg: 'ES256', use: 'sig' }] },
    scopes: ['orders:read'],
    cookies: { keys: ['interop-test-cookie-key'] },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      mTLS: {
        enabled: true,
        certificateBoundAccessTokens: true,
        // The provider terminates TLS itself: the certificate is the connection's.
        getCertificate: (ctx) => (ctx.socket as TLSSocket).getPeerX509Certificate(),
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: async () => ORDERS_API,
        useGrantedResource: async () => false,
        async getResourceServerInfo(_ctx, resourceIndicator): Promise<ResourceServerInfo> {
          if (resourceIndicator !== ORDERS_API) throw new errors.InvalidTarget();
          return { scope: 'orders:read', audience: ORDERS_API, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'ES256' } } };
        },
      },
    },
  });
  listener = provider.callback();
});

afterAll(async () => {
  providerServer?.closeAllConnections();
  await new Promise<void>((resolve) => (providerServer ? providerServer.close(() => resolve()) : resolve()));
});

interface Reply {
  status: number;
  body: string;
}

/** One HTTPS request over a fresh connection presenting `client` (or no certificate). */
function call(url: string, client: TestCertificate | undefined, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { method: init.method ?? 'GET', agent: false, headers: init.headers, ...certs.clientOptions(client) }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

/** A client-credentials token from the provider, asked for over a connection with `client`'s certificate. */
async function tokenFor(client: TestCertificate): Promise<string> {
  const reply = await call(`${issuer}/token`, client, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${CLIENT.id}:${CLIENT.secret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'orders:read', resource: ORDERS_API }).toString(),
  });
  expect(reply.status, reply.body).toBe(200);
  return (JSON.parse(reply.body) as { access_token: string }).access_token;
}

type Build = (options: VerifierOptions) => Promise<Server>;
const APPS: Array<[string, Build]> = [
  [
    'express',
    async (options) => {
      const app = express();
      app.get('/orders', tollgateExpress.requireAuth(options), tollgateExpress.requireScope('orders:read'), (req, res) => {
        res.json(req.auth?.binding);
      });
      app.use(tollgateExpress.tollgateErrorHandler());
      return createHttpsServer(certs.serverOptions(), app) as unknown as Server;
    },
  ],
  [
    'koa',
    async (options) => {
      const app = new Koa();
      app.use(tollgateKoa.requireAuth(options));
      app.use((ctx) => {
        ctx.body = ctx.state.auth?.binding;
      });
      return createHttpsServer(certs.serverOptions(), app.callback()) as unknown as Server;
    },
  ],
  [
    'fastify',
    async (options) => {
      const app = fastify({ https: certs.serverOptions() } as never) as unknown as ReturnType<typeof fastify>;
      await app.register(tollgateFastify, options);
      app.get('/orders', async (request: { auth?: { binding: unknown } | null }) => request.auth?.binding);
      await app.ready();
      return app.server;
    },
  ],
];

describe.each(APPS)('%s', (_name, build) => {
  it('accepts the certificate-bound token on a connection with its certificate, refuses it with another or none', async () => {
    // Static keys: the provider's JWKS is served over TLS with the test CA, which the global fetch does not trust.
    const server = await build({ issuer, audience: ORDERS_API, keys: [publicJwk] });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/orders`;
    try {
      const token = await tokenFor(certs.client);
      const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { cnf?: unknown };
      expect(claims.cnf).toEqual({ 'x5t#S256': certs.client.thumbprint });
      const headers = { authorization: `Bearer ${token}` };
      const right = await call(url, certs.client, { headers });
      expect([right.status, JSON.parse(right.body)]).toEqual([200, { kind: 'mtls', x5tS256: certs.client.thumbprint }]);
      expect((await call(url, other, { headers })).status).toBe(401);
      expect((await call(url, undefined, { headers })).status).toBe(401);
      // The other client's own token (same registration, other certificate) works only with that certificate.
      const otherToken = await tokenFor(other);
      expect((await call(url, other, { headers: { authorization: `Bearer ${otherToken}` } })).status).toBe(200);
      expect((await call(url, certs.client, { headers: { authorization: `Bearer ${otherToken}` } })).status).toBe(401);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
