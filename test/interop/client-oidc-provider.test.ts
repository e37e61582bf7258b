// Interop: @tollgate/client against oidc-provider, a real and independent authorization server: discovery,
// client_secret_basic, client_secret_post, private_key_jwt, RFC 8707 resource indicators and refusals; the
// tokens it gets pass @tollgate/core's verifier for the API they name.
import { createTokenClient, TokenRequestError } from '@tollgate/client';
import { createVerifier } from '@tollgate/core';
import { exportJWK, generateKeyPair, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BILLING_API, CLIENT_A, CLIENT_B, generateSigningKey, ORDERS_API, startOidcProvider, type OidcProviderServer } from './oidc-provider-server.js';

const KEY_CLIENT = 'client-k';
let server: OidcProviderServer;
let clientKey: CryptoKey;

beforeAll(async () => {
  const pair = await generateKeyPair('ES256', { extractable: true });
  clientKey = pair.privateKey;
  const publicJwk = { ...(await exportJWK(pair.publicKey)), kid: 'client-k-1', alg: 'ES256', use: 'sig' };
  server = await startOidcProvider({
    keys: [await generateSigningKey('rsa-1', 'RS256'), await generateSigningKey('ec-1', 'ES256')],
    clients: [
      {
        client_id: KEY_CLIENT,
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: 'private_key_jwt',
        jwks: { keys: [publicJwk] },
        scope: 'orders:read',
      },
    ],
  });
});
afterAll(async () => {
  await server?.close();
});

const verifierFor = (audience: string) => createVerifier({ issuer: server.issuer, audience, allowInsecureRequests: true });

describe('@tollgate/client against oidc-provider', () => {
  it('client_secret_basic, the endpoint discovered from the issuer, a token for the resource it names', async () => {
    const client = createTokenClient({
      issuer: server.issuer,
      clientId: CLIENT_A.id,
      auth: { secret: CLIENT_A.secret },
      scopes: ['orders:read'],
      resource: ORDERS_API,
      allowInsecureRequests: true,
    });
    expect(await client.tokenEndpoint()).toBe(`${server.issuer}/token`);
    const details = await client.getTokenDetails();
    expect(details.expiresIn).toBe(600);
    const token = await verifierFor(ORDERS_API).verify(details.accessToken);
    expect(token).toMatchObject({ clientId: CLIENT_A.id, scopes: ['orders:read'] });
    // Another resource is another cache entry, and another audience.
    const billing = await client.getToken({ scopes: ['billing:read'], resource: BILLING_API });
    expect(await verifierFor(BILLING_API).verify(billing)).toMatchObject({ clientId: CLIENT_A.id, scopes: ['billing:read'] });
    await expect(verifierFor(ORDERS_API).verify(billing)).rejects.toMatchObject({ reason: 'audience' });
    expect(await client.getToken()).toBe(details.accessToken);
  });

  it('client_secret_post', async () => {
    const client = createTokenClient({
      tokenEndpoint: `${server.issuer}/token`,
      clientId: CLIENT_B.id,
      auth: { method: 'client_secret_post', secret: CLIENT_B.secret },
      scopes: 'orders:read',
      resource: ORDERS_API,
      allowInsecureRequests: true,
    });
    expect(await verifierFor(ORDERS_API).verify(await client.getToken())).toMatchObject({ clientId: CLIENT_B.id });
  });

  it('private_key_jwt, after a key the server does not know yet (rotation fallback)', async () => {
    const unknown = await generateKeyPair('ES256', { extractable: true });
    const client = createTokenClient({
      issuer: server.issuer,
      clientId: KEY_CLIENT,
      auth: {
        method: 'private_key_jwt',
        keys: [
          { key: unknown.privateKey, kid: 'client-k-2', alg: 'ES256' },
          { key: clientKey, kid: 'client-k-1', alg: 'ES256' },
        ],
      },
      scopes: ['orders:read'],
      resource: ORDERS_API,
      allowInsecureRequests: true,
    });
    expect(await verifierFor(ORDERS_API).verify(await client.getToken())).toMatchObject({ clientId: KEY_CLIENT });
  });

  it('refusals are typed: invalid_client, invalid_scope (client B may not write), invalid_target (an unknown API)', async () => {
    const base = { tokenEndpoint: `${server.issuer}/token`, allowInsecureRequests: true, resource: ORDERS_API } as const;
    const wrong = createTokenClient({ ...base, clientId: CLIENT_A.id, auth: { secret: 'not-the-secret' } });
    await expect(wrong.getToken()).rejects.toMatchObject({ failure: 'rejected', error: 'invalid_client', status: 401 });
    const greedy = createTokenClient({ ...base, clientId: CLIENT_B.id, auth: { method: 'client_secret_post', secret: CLIENT_B.secret }, scopes: ['orders:write'] });
    await expect(greedy.getToken()).rejects.toMatchObject({ failure: 'rejected', error: 'invalid_scope' });
    const lost = createTokenClient({ ...base, clientId: CLIENT_A.id, auth: { secret: CLIENT_A.secret }, resource: 'https://unknown.api.test' });
    const error = (await lost.getToken().then(() => undefined, (caught: unknown) => caught)) as TokenRequestError;
    expect(error).toBeInstanceOf(TokenRequestError);
    expect(error).toMatchObject({ failure: 'rejected', error: 'invalid_target' });
    expect(error.message).toMatch(/RFC 8707/);
    expect(server.serverErrors).toEqual([]);
  });
});
