// The test issuer's token endpoint with DPoP (RFC 9449 section 5): a good proof binds the token, a bad one is
// invalid_dpop_proof, a nonce is required when asked (use_dpop_nonce + DPoP-Nonce), a proof is accepted once;
// the testing client gets DPoP-bound tokens.
import { createVerifier } from '@tollgate/core';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClientCredentialsClient, createDpopKey, createDpopProof, createTestIssuer, type DpopKey, type TestIssuer } from '../src/index.js';

let issuer: TestIssuer;
let nonceIssuer: TestIssuer;
let key: DpopKey;
const clients = [
  { clientId: 'admin', clientSecret: 'admin-secret', scopes: ['orders:read'] },
  { clientId: 'strict', clientSecret: 'strict-secret', scopes: ['orders:read'], dpopBoundAccessTokens: true },
];

beforeAll(async () => {
  key = await createDpopKey('ES256');
  issuer = await createTestIssuer({ algorithms: ['ES256'], clients });
  nonceIssuer = await createTestIssuer({ algorithms: ['ES256'], clients, dpopNonce: true });
});
afterAll(async () => {
  await issuer?.close();
  await nonceIssuer?.close();
});

const BODY = new URLSearchParams({ grant_type: 'client_credentials' }).toString();
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

async function post(target: TestIssuer, dpop: string | string[] | undefined, client = clients[0]!) {
  const headers: [string, string][] = [
    ['content-type', 'application/x-www-form-urlencoded'],
    ['authorization', basic(client.clientId, client.clientSecret)],
  ];
  for (const proof of dpop === undefined ? [] : Array.isArray(dpop) ? dpop : [dpop]) headers.push(['dpop', proof]);
  const response = await fetch(target.tokenEndpoint, { method: 'POST', headers, body: BODY });
  return { status: response.status, nonce: response.headers.get('dpop-nonce'), body: (await response.json()) as Record<string, unknown> };
}

const proofFor = (target: TestIssuer, extra: Partial<Parameters<typeof createDpopProof>[0]> = {}) =>
  createDpopProof({ key, method: 'POST', url: target.tokenEndpoint, ...extra });

describe('token endpoint with DPoP', () => {
  it('advertises the proof algorithms it accepts', async () => {
    const metadata = (await (await fetch(`${issuer.issuer}/.well-known/oauth-authorization-server`)).json()) as Record<string, unknown>;
    expect(metadata.dpop_signing_alg_values_supported).toEqual(expect.arrayContaining(['ES256', 'EdDSA', 'PS256']));
    expect(metadata.dpop_signing_alg_values_supported).not.toContain('HS256');
  });

  it('binds the token to the proof key: cnf.jkt, token_type DPoP; core accepts it only with a proof of that key', async () => {
    const answer = await post(issuer, proofFor(issuer));
    expect(answer.status).toBe(200);
    expect(answer.body.token_type).toBe('DPoP');
    const token = answer.body.access_token as string;
    expect(decodeJwt(token).cnf).toEqual({ jkt: key.jkt });
    const verifier = createVerifier({ issuer: issuer.issuer, audience: issuer.audience, allowInsecureRequests: true });
    const api = 'https://api.example.test/orders';
    const accepted = await verifier.authenticate({ method: 'GET', url: api, headers: { authorization: `DPoP ${token}`, dpop: createDpopProof({ key, method: 'GET', url: api, token }) } });
    expect(accepted?.binding).toEqual({ kind: 'dpop', jkt: key.jkt });
    await expect(verifier.authenticate({ headers: { authorization: `Bearer ${token}` } })).rejects.toMatchObject({ code: 'invalid_token' });
  });

  it('issues a Bearer token without a proof, unless the client requires DPoP', async () => {
    const answer = await post(issuer, undefined);
    expect(answer.body.token_type).toBe('Bearer');
    expect(decodeJwt(answer.body.access_token as string).cnf).toBeUndefined();
    expect(await post(issuer, undefined, clients[1])).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
    expect(await post(issuer, proofFor(issuer), clients[1])).toMatchObject({ status: 200, body: { token_type: 'DPoP' } });
  });

  it.each<[string, (target: TestIssuer) => string | string[]]>([
    ['htm GET', (t) => proofFor(t, { method: 'GET' })],
    ['htu of another endpoint', (t) => proofFor(t, { url: `${t.issuer}/oauth/other` })],
    ['iat 10 minutes old', (t) => proofFor(t, { iat: Math.floor(Date.now() / 1000) - 600 })],
    ['iat 10 minutes ahead', (t) => proofFor(t, { iat: Math.floor(Date.now() / 1000) + 600 })],
    ['no jti', (t) => proofFor(t, { claims: { jti: undefined } })],
    ['typ JWT', (t) => proofFor(t, { header: { typ: 'JWT' } })],
    ['alg none, unsigned', (t) => proofFor(t, { header: { alg: 'none' }, signed: false })],
    ['a private key in jwk', (t) => proofFor(t, { header: { jwk: key.privateJwk } })],
    ['no jwk', (t) => proofFor(t, { header: { jwk: undefined } })],
    ['signed by another key than its jwk', (t) => proofFor(t, { header: { jwk: { ...key.publicJwk, x: key.publicJwk.y, y: key.publicJwk.x } } })],
    ['two DPoP headers', (t) => [proofFor(t), proofFor(t)]],
    ['not a JWS', () => 'not-a-proof'],
  ])('refuses a proof with %s: 400 invalid_dpop_proof', async (_name, make) => {
    const answer = await post(issuer, make(issuer));
    expect(answer).toMatchObject({ status: 400, body: { error: 'invalid_dpop_proof' } });
    expect(answer.body.access_token).toBeUndefined();
  });

  it('accepts a proof once', async () => {
    const proof = proofFor(issuer);
    expect((await post(issuer, proof)).status).toBe(200);
    expect(await post(issuer, proof)).toMatchObject({ status: 400, body: { error: 'invalid_dpop_proof', error_description: 'DPoP proof replayed' } });
  });

  it('with dpopNonce: use_dpop_nonce and the nonce first, then a token for a proof carrying it; a rotated nonce starts over', async () => {
    const first = await post(nonceIssuer, proofFor(nonceIssuer));
    expect(first).toMatchObject({ status: 400, body: { error: 'use_dpop_nonce' } });
    expect(first.nonce).toMatch(/^[A-Za-z0-9_-]{16,}$/);
    const second = await post(nonceIssuer, proofFor(nonceIssuer, { nonce: first.nonce! }));
    expect(second).toMatchObject({ status: 200, body: { token_type: 'DPoP' }, nonce: first.nonce });
    const rotated = nonceIssuer.rotateDpopNonce();
    const stale = await post(nonceIssuer, proofFor(nonceIssuer, { nonce: first.nonce! }));
    expect(stale).toMatchObject({ status: 400, body: { error: 'use_dpop_nonce' }, nonce: rotated });
    // A refused proof did not use up anything: a bad proof is still invalid_dpop_proof, not use_dpop_nonce.
    expect(await post(nonceIssuer, proofFor(nonceIssuer, { method: 'GET', nonce: rotated }))).toMatchObject({ status: 400, body: { error: 'invalid_dpop_proof' } });
    expect(() => issuer.rotateDpopNonce()).toThrow(/dpopNonce: true/);
  });
});

describe('createClientCredentialsClient with dpop', () => {
  it('gets DPoP-bound tokens (generated key, or a createDpopKey key) and builds the headers of a request', async () => {
    const generated = createClientCredentialsClient({ tokenEndpoint: issuer.tokenEndpoint, clientId: 'admin', clientSecret: 'admin-secret', dpop: true });
    const details = await generated.getTokenDetails();
    expect(details.tokenType).toBe('DPoP');
    expect(decodeJwt(details.accessToken).cnf).toEqual({ jkt: generated.dpopThumbprint });
    const own = createClientCredentialsClient({ tokenEndpoint: issuer.tokenEndpoint, clientId: 'admin', clientSecret: 'admin-secret', dpop: key });
    expect(own.dpopThumbprint).toBe(key.jkt);
    expect(decodeJwt(await own.getToken()).cnf).toEqual({ jkt: key.jkt });
    const headers = await own.authorizationHeaders('GET', 'https://api.example.test/orders?x=1');
    expect(headers.authorization).toBe(`DPoP ${await own.getToken()}`);
    expect(decodeJwt(headers.dpop!)).toMatchObject({ htm: 'GET', htu: 'https://api.example.test/orders' });
    // Token requests only are counted, not the requests fetch sends to an API.
    expect(own.requests).toBe(1);
    const bearer = createClientCredentialsClient({ tokenEndpoint: issuer.tokenEndpoint, clientId: 'admin', clientSecret: 'admin-secret' });
    expect((await bearer.getTokenDetails()).tokenType).toBe('Bearer');
    expect(bearer.dpopThumbprint).toBeUndefined();
  });
});
