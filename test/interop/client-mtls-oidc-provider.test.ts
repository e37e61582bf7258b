// Interop: @tollgate/client with mutual TLS client authentication (RFC 8705 section 2) against oidc-provider
// over HTTPS with requestCert: tls_client_auth (a certificate from the test CA, matched by subject) and
// self_signed_tls_client_auth (a registered self-signed certificate), the mtls_endpoint_aliases token endpoint
// found by discovery, and certificate-bound tokens (section 3) sent by client.fetch to an Express API over HTTPS
// that checks the certificate on the connection.
import { createServer as createHttpsServer, request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createTokenClient, TokenRequestError } from '@tollgate/client';
import * as tollgateExpress from '@tollgate/express';
import { createTestCertificates, type TestCertificate, type TestCertificates } from '@tollgate/testing';
import express from 'express';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSigningKey, ORDERS_API, startOidcProvider, type OidcProviderServer } from './oidc-provider-server.js';

let certs: TestCertificates;
let selfSigned: TestCertificate;
let stranger: TestCertificate;
let server: OidcProviderServer;
let api: { url: string; close(): Promise<void> };

beforeAll(async () => {
  certs = await createTestCertificates();
  selfSigned = await certs.createClient({ commonName: 'self-signed-client', selfSigned: true });
  stranger = await certs.createClient({ commonName: 'someone-else' });
  const base = { grant_types: ['client_credentials'], response_types: [], redirect_uris: [], scope: 'orders:read', tls_client_certificate_bound_access_tokens: true };
  const signingKey = await generateSigningKey('rsa-1', 'RS256');
  server = await startOidcProvider({
    keys: [signingKey],
    tls: certs.serverOptions(),
    clients: [
      { ...base, client_id: 'mtls-ca', token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_subject_dn: certs.client.certificate.subject },
      {
        ...base,
        client_id: 'mtls-self',
        token_endpoint_auth_method: 'self_signed_tls_client_auth',
        jwks: { keys: [{ ...selfSigned.certificate.publicKey.export({ format: 'jwk' }), x5c: [selfSigned.der.toString('base64')] }] },
      },
    ],
  });
  // The provider's key given to the API directly: its JWKS is served over HTTPS under the test CA, which the
  // verifier's fetch does not trust (the binding, not key discovery, is under test here).
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = signingKey.jwk;
  const app = express();
  app.get('/orders', tollgateExpress.requireAuth({ issuer: server.issuer, audience: ORDERS_API, keys: [publicJwk] }), (req, res) => {
    res.json(req.auth?.binding);
  });
  app.use(tollgateExpress.tollgateErrorHandler());
  const https = createHttpsServer(certs.serverOptions(), app);
  await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', resolve));
  api = {
    url: `https://127.0.0.1:${(https.address() as AddressInfo).port}`,
    close: async () => {
      https.closeAllConnections();
      await new Promise((resolve) => https.close(resolve));
    },
  };
});
afterAll(async () => {
  await api?.close();
  await server?.close();
});

const clientFor = (clientId: string, certificate: TestCertificate, method: 'tls_client_auth' | 'self_signed_tls_client_auth') =>
  createTokenClient({
    issuer: server.issuer,
    clientId,
    auth: { method, cert: certificate.pem, key: certificate.privateKeyPem, ca: certs.ca.pem },
    scopes: ['orders:read'],
    resource: ORDERS_API,
  });

describe('@tollgate/client with mutual TLS against oidc-provider', () => {
  it('refuses mutual TLS options that cannot work, at startup', () => {
    const base = { tokenEndpoint: 'https://auth.example.com/token', clientId: 'c' } as const;
    const auth = (extra: object) => ({ method: 'tls_client_auth', cert: certs.client.pem, key: certs.client.privateKeyPem, ...extra }) as never;
    expect(() => createTokenClient({ ...base, auth: auth({ key: stranger.privateKeyPem }) })).toThrow(/auth\.key: is not the private key of auth\.cert/);
    expect(() => createTokenClient({ ...base, auth: auth({ cert: 'not a certificate' }) })).toThrow(/auth\.cert: is not a PEM certificate/);
    expect(() => createTokenClient({ ...base, auth: auth({ method: 'self_signed_tls_client_auth' }) })).toThrow(/needs a self-signed certificate/);
    expect(() => createTokenClient({ ...base, auth: auth({}), fetch: globalThis.fetch })).toThrow(/fetch: tls_client_auth sends every request through its own HTTPS agent/);
    expect(() => createTokenClient({ ...base, tokenEndpoint: 'http://127.0.0.1:1/token', allowInsecureRequests: true, auth: auth({}) })).toThrow(/tokenEndpoint: tls_client_auth needs an https URL/);
    expect(() => createTokenClient({ ...base, auth: auth({ cert: undefined }) })).toThrow(/auth\.cert/);
  });

  it.each([
    ['tls_client_auth', 'mtls-ca', () => certs.client],
    ['self_signed_tls_client_auth', 'mtls-self', () => selfSigned],
  ] as const)('%s: a certificate-bound token from the mtls alias endpoint, accepted over the same certificate', async (method, clientId, certificate) => {
    const client = clientFor(clientId, certificate(), method);
    expect(await client.tokenEndpoint()).toBe(`${server.issuer}/mtls/token`);
    const token = await client.getToken();
    expect(decodeJwt(token).cnf).toEqual({ 'x5t#S256': certificate().thumbprint });
    const response = await client.fetch(`${api.url}/orders`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ kind: 'mtls', x5tS256: certificate().thumbprint });
    expect(server.hits('/mtls/token')).toBeGreaterThan(0);
    // The same token over a connection without the certificate, or with another one, is refused.
    expect(await statusOf(`${api.url}/orders`, token)).toBe(401);
    expect(await statusOf(`${api.url}/orders`, token, stranger)).toBe(401);
  });

  it('a certificate the client is not registered with is invalid_client', async () => {
    const client = clientFor('mtls-ca', stranger, 'tls_client_auth');
    const error = (await client.getToken().catch((caught: unknown) => caught)) as TokenRequestError;
    expect(error).toBeInstanceOf(TokenRequestError);
    expect(error).toMatchObject({ failure: 'rejected', error: 'invalid_client' });
    expect(server.serverErrors).toEqual([]);
  });
});

/** GET `url` with `token` as a Bearer token over a connection trusting the test CA, presenting `certificate` if given. */
function statusOf(url: string, token: string, certificate?: TestCertificate): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = httpsRequest(url, { headers: { authorization: `Bearer ${token}` }, ...certs.clientOptions(certificate) }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.on('error', reject);
    request.end();
  });
}
