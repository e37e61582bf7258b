// The test issuer's introspection endpoint, through tollgate's own verifier (discovered from the metadata):
// opaque tokens active until they expire or are revoked, unknown ones inactive, the API authenticated.
import { createVerifier, type VerifierOptions } from '@tollgate/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestIssuer, type TestIssuer } from '../src/index.js';

let issuer: TestIssuer;
const API = { clientId: 'orders-api', clientSecret: 'orders-api-secret', scopes: [] };

beforeAll(async () => {
  issuer = await createTestIssuer({ algorithms: ['ES256'], clients: [API] });
});
afterAll(() => issuer.close());

const verifierWith = (extra: Partial<VerifierOptions> = {}) =>
  createVerifier({
    issuer: issuer.issuer,
    audience: issuer.audience,
    allowInsecureRequests: true,
    introspection: { clientId: API.clientId, clientSecret: API.clientSecret, cache: false },
    ...extra,
  });

const post = (body: Record<string, string>, headers: Record<string, string> = {}) =>
  fetch(issuer.introspectionEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${API.clientId}:${API.clientSecret}`).toString('base64')}`, ...headers },
    body: new URLSearchParams(body),
  });

describe('the introspection endpoint of the test issuer', () => {
  it('is published in the metadata, and an opaque token it minted verifies through it with its claims', async () => {
    const metadata = (await (await fetch(`${issuer.issuer}/.well-known/oauth-authorization-server`)).json()) as Record<string, unknown>;
    expect(metadata.introspection_endpoint).toBe(issuer.introspectionEndpoint);
    const token = issuer.signOpaque({ scope: 'orders:read', client_id: 'billing' });
    expect(token).toMatch(/^[\w-]{43}$/);
    const accessToken = await verifierWith().verify(token);
    expect(accessToken).toMatchObject({ verifiedBy: 'introspection', clientId: 'billing', scopes: ['orders:read'], issuer: issuer.issuer });
  });

  it('answers inactive for a revoked, an expired and an unknown token', async () => {
    const verifier = verifierWith();
    const revoked = issuer.signOpaque();
    await verifier.verify(revoked);
    issuer.revoke(revoked);
    await expect(verifier.verify(revoked)).rejects.toMatchObject({ status: 401, reason: 'inactive' });
    const expired = issuer.signOpaque({}, { now: Math.floor(Date.now() / 1000) - 600 });
    await expect(verifier.verify(expired)).rejects.toMatchObject({ status: 401, reason: 'inactive' });
    await expect(verifier.verify('never-minted-by-this-issuer')).rejects.toMatchObject({ status: 401, reason: 'inactive' });
  });

  it('authenticates the caller: wrong credentials are invalid_client, and tollgate answers 503, never a pass', async () => {
    const response = await post({ token: issuer.signOpaque() }, { authorization: `Basic ${Buffer.from('orders-api:wrong').toString('base64')}` });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: 'invalid_client' });
    const verifier = verifierWith({ introspection: { clientId: API.clientId, clientSecret: 'wrong', cache: false } });
    await expect(verifier.verify(issuer.signOpaque())).rejects.toMatchObject({ status: 503, reason: 'introspection_unavailable' });
  });

  it('refuses other methods and a request without token; counts its requests', async () => {
    issuer.resetRequests();
    expect((await fetch(issuer.introspectionEndpoint)).status).toBe(405);
    const missing = await post({});
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ error: 'invalid_request' });
    expect(issuer.requests.introspection).toBe(2);
  });
});
