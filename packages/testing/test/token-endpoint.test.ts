import { createVerifier } from '@tollgate/core';
import { decodeJwt, decodeProtectedHeader, SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSigningKey, createTestIssuer, type TestIssuer, type TestSigningKey } from '../src/index.js';

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
// Characters that RFC 6749 section 2.3.1's form-urlencoding must carry through Basic: '@', ':', ' ', '+', '%'.
const ADMIN_SECRET = 'p@ss:w rd+%';

let issuer: TestIssuer;
let serviceKey: TestSigningKey;
let edgeKey: TestSigningKey;

beforeAll(async () => {
  serviceKey = await createSigningKey('ES256');
  edgeKey = await createSigningKey('EdDSA');
  issuer = await createTestIssuer({
    algorithms: ['ES256'],
    clients: [
      { clientId: 'admin', clientSecret: ADMIN_SECRET, scopes: ['orders:read', 'orders:write'] },
      { clientId: 'reader', clientSecret: 'reader-secret', authMethod: 'client_secret_post', scopes: ['orders:read'] },
      { clientId: 'service', jwks: { keys: [serviceKey.publicJwk] }, scopes: ['orders:read', 'orders:write'] },
      { clientId: 'edge', publicKey: edgeKey.publicKey, scopes: ['orders:read'] },
      { clientId: 'web-app', clientSecret: 'web-secret', grantTypes: ['authorization_code'], scopes: ['orders:read'] },
      { clientId: 'partner', clientSecret: 'partner-secret', scopes: ['orders:read'], audience: 'https://partner.example', tokenLifetime: 60 },
      { clientId: 'agent', clientSecret: 'agent-secret', scopes: ['orders:read'], resources: ['https://mcp.example.test/mcp', 'https://other.example.test'] },
    ],
  });
});
afterEach(() => issuer.resetRequests());
afterAll(async () => {
  await issuer?.close();
});

interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

const form = (fields: Record<string, string>): string => new URLSearchParams(fields).toString();
const formEncode = (value: string): string => new URLSearchParams({ v: value }).toString().slice(2);
const basic = (id: string, secret: string): string => `Basic ${Buffer.from(`${formEncode(id)}:${formEncode(secret)}`).toString('base64')}`;

async function post(body: string, headers: Record<string, string> = {}, url = issuer.tokenEndpoint, method = 'POST'): Promise<Answer> {
  const response = await fetch(url, {
    method,
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: method === 'GET' ? undefined : body,
    signal: AbortSignal.timeout(5000),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

const grant = (fields: Record<string, string> = {}) => form({ grant_type: 'client_credentials', ...fields });

async function assertion(claims: Record<string, unknown> = {}, key: TestSigningKey = serviceKey, clientId = 'service'): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ iss: clientId, sub: clientId, aud: issuer.tokenEndpoint, iat: now, exp: now + 60, jti: crypto.randomUUID(), ...claims })
    .setProtectedHeader({ alg: key.alg, kid: key.kid })
    .sign(key.privateKey);
}
const withAssertion = async (claims: Record<string, unknown> = {}, extra: Record<string, string> = {}) =>
  post(grant({ client_assertion_type: ASSERTION_TYPE, client_assertion: await assertion(claims), ...extra }));

function expectError(answer: Answer, status: number, error: string): void {
  expect({ status: answer.status, error: answer.body.error }).toEqual({ status, error });
  expect(Object.keys(answer.body).sort()).toEqual(['error', 'error_description']);
  expect(answer.headers.get('cache-control')).toBe('no-store');
  expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
}

function expectIssued(answer: Answer, scope: string): string {
  expect(answer.status).toBe(200);
  expect(answer.body).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: 300, scope });
  // RFC 6749 section 5.1: token responses are never cached.
  expect(answer.headers.get('cache-control')).toBe('no-store');
  expect(answer.headers.get('pragma')).toBe('no-cache');
  return answer.body.access_token as string;
}

describe('metadata', () => {
  it('advertises the token endpoint, its client authentication methods and the clients\' scopes', async () => {
    const response = await fetch(`${issuer.issuer}/.well-known/oauth-authorization-server`, { signal: AbortSignal.timeout(5000) });
    expect(await response.json()).toMatchObject({
      token_endpoint: issuer.tokenEndpoint,
      grant_types_supported: ['client_credentials'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'private_key_jwt'],
      token_endpoint_auth_signing_alg_values_supported: expect.arrayContaining(['ES256', 'EdDSA', 'RS256']),
      scopes_supported: ['orders:read', 'orders:write'],
    });
    expect(issuer.tokenEndpoint).toBe(`${issuer.issuer}/oauth/token`);
  });
});

describe('client authentication', () => {
  it('client_secret_basic: form-urlencoded id and secret in Basic; the token verifies with @tollgate/core', async () => {
    const token = expectIssued(await post(grant(), { authorization: basic('admin', ADMIN_SECRET) }), 'orders:read orders:write');
    const verifier = createVerifier({ issuer: issuer.issuer, audience: issuer.audience, allowInsecureRequests: true, strict: true });
    const auth = await verifier.verify(token);
    expect(auth).toMatchObject({ clientId: 'admin', subject: 'admin', scopes: ['orders:read', 'orders:write'], audience: [issuer.audience] });
    expect(auth.claims.exp! - auth.claims.iat!).toBe(300);
    expect(decodeProtectedHeader(token)).toMatchObject({ typ: 'at+jwt', kid: issuer.keys[0]?.kid });
    expect(issuer.requests.token).toBe(1);
  });

  it('client_secret_basic: the secret without the form-urlencoding is refused', async () => {
    const raw = `Basic ${Buffer.from(`admin:${ADMIN_SECRET}`).toString('base64')}`;
    expectError(await post(grant(), { authorization: raw }), 401, 'invalid_client');
  });

  it('client_secret_post: client_id and client_secret in the body; no scope asked means every scope of the client', async () => {
    const token = expectIssued(await post(grant({ client_id: 'reader', client_secret: 'reader-secret' })), 'orders:read');
    expect(decodeJwt(token)).toMatchObject({ client_id: 'reader', sub: 'reader', scope: 'orders:read', iss: issuer.issuer });
  });

  it('private_key_jwt: an assertion signed with a key of the client\'s JWKS; aud may be the endpoint or the issuer', async () => {
    expectIssued(await withAssertion(), 'orders:read orders:write');
    expectIssued(await withAssertion({ aud: issuer.issuer }), 'orders:read orders:write');
    expectIssued(await withAssertion({}, { client_id: 'service', scope: 'orders:write' }), 'orders:write');
  });

  it('private_key_jwt: a client registered with a bare public key', async () => {
    const signed = await assertion({}, edgeKey, 'edge');
    expectIssued(await post(grant({ client_assertion_type: ASSERTION_TYPE, client_assertion: signed })), 'orders:read');
  });

  it('private_key_jwt: refuses a replayed assertion (same jti)', async () => {
    const once = await assertion();
    const body = grant({ client_assertion_type: ASSERTION_TYPE, client_assertion: once });
    expect((await post(body)).status).toBe(200);
    const replay = await post(body);
    expectError(replay, 400, 'invalid_client');
    expect(replay.body.error_description).toBe('client assertion already used');
  });

  it.each([
    ['expired', { exp: Math.floor(Date.now() / 1000) - 60 }],
    ['valid for an hour (too long)', { exp: Math.floor(Date.now() / 1000) + 3600 }],
    ['without exp', { exp: undefined }],
    ['without jti', { jti: undefined }],
    ['for another audience', { aud: 'https://elsewhere.example/token' }],
    ['whose sub is not the client', { sub: 'someone-else' }],
    ['from an unknown client', { iss: 'nobody', sub: 'nobody' }],
  ])('private_key_jwt: refuses an assertion %s', async (_name, claims) => {
    expectError(await withAssertion(claims), 400, 'invalid_client');
  });

  it('private_key_jwt: refuses an assertion signed by another key, by a secret client, or naming another client_id', async () => {
    const stranger = await createSigningKey('ES256');
    const forged = await assertion({}, stranger);
    expectError(await post(grant({ client_assertion_type: ASSERTION_TYPE, client_assertion: forged })), 400, 'invalid_client');
    const fromSecretClient = await assertion({ iss: 'admin', sub: 'admin' });
    expectError(await post(grant({ client_assertion_type: ASSERTION_TYPE, client_assertion: fromSecretClient })), 400, 'invalid_client');
    expectError(await withAssertion({}, { client_id: 'edge' }), 400, 'invalid_client');
    expectError(await post(grant({ client_assertion_type: ASSERTION_TYPE, client_assertion: 'not.a.jwt' })), 400, 'invalid_client');
  });

  it('private_key_jwt: a wrong or missing client_assertion_type, or a missing assertion, is invalid_request', async () => {
    const signed = await assertion();
    expectError(await post(grant({ client_assertion_type: 'urn:example:other', client_assertion: signed })), 400, 'invalid_request');
    expectError(await post(grant({ client_assertion: signed })), 400, 'invalid_request');
    expectError(await post(grant({ client_assertion_type: ASSERTION_TYPE })), 400, 'invalid_request');
  });

  it('refuses two methods in one request with invalid_request (RFC 6749 section 2.3)', async () => {
    const both = await post(grant({ client_id: 'reader', client_secret: 'reader-secret' }), { authorization: basic('admin', ADMIN_SECRET) });
    expectError(both, 400, 'invalid_request');
    const signed = await assertion();
    expectError(await post(grant({ client_assertion_type: ASSERTION_TYPE, client_assertion: signed, client_secret: 'x' })), 400, 'invalid_request');
  });

  it('invalid_client 401 with a Basic challenge when the client used the Authorization header', async () => {
    for (const authorization of [basic('admin', 'wrong'), basic('ghost', ADMIN_SECRET), 'Basic !!!', 'Basic YWRtaW4=', 'Bearer abc', basic('reader', 'reader-secret')]) {
      const answer = await post(grant(), { authorization });
      expectError(answer, 401, 'invalid_client');
      expect(answer.headers.get('www-authenticate')).toMatch(/^Basic realm="[^"]+"/);
    }
  });

  // RFC 6749 section 5.2: 401 is for a client that authenticated with the Authorization header (and then
  // carries a challenge, as every 401 must: RFC 9110 section 15.5.2); a client that authenticated in the body gets 400.
  it('invalid_client 400 without a challenge for a bad body secret or a method the client is not registered for', async () => {
    const attempts: Array<Record<string, string>> = [
      { client_id: 'reader', client_secret: 'wrong' },
      { client_id: 'admin', client_secret: ADMIN_SECRET }, // admin is registered for client_secret_basic
      { client_secret: 'reader-secret' },
    ];
    for (const fields of attempts) {
      const answer = await post(grant(fields));
      expectError(answer, 400, 'invalid_client');
      expect(answer.headers.get('www-authenticate')).toBeNull();
      expect(JSON.stringify(answer.body)).not.toContain('secret');
    }
  });

  it('invalid_client 401 with a Basic challenge when the request carries no client authentication at all', async () => {
    const attempts: Array<Record<string, string>> = [{ client_id: 'reader' }, {}];
    for (const fields of attempts) {
      const answer = await post(grant(fields));
      expectError(answer, 401, 'invalid_client');
      expect(answer.headers.get('www-authenticate')).toMatch(/^Basic realm="[^"]+", charset="UTF-8"$/);
    }
  });
});

describe('the request', () => {
  const admin = { authorization: basic('admin', ADMIN_SECRET) };

  it('grants a subset of the client\'s scopes, in the order asked, without duplicates', async () => {
    expectIssued(await post(grant({ scope: 'orders:read' }), admin), 'orders:read');
    const token = expectIssued(await post(grant({ scope: 'orders:write orders:read orders:write' }), admin), 'orders:write orders:read');
    expect(decodeJwt(token).scope).toBe('orders:write orders:read');
  });

  it('invalid_scope for a scope outside the client\'s set or a malformed scope parameter', async () => {
    const outside = await post(grant({ client_id: 'reader', client_secret: 'reader-secret', scope: 'orders:read orders:write' }));
    expectError(outside, 400, 'invalid_scope');
    expect(outside.body.error_description).toContain('orders:write');
    expectError(await post(grant({ scope: 'orders:read  orders:write' }), admin), 400, 'invalid_scope');
    expectError(await post(grant({ scope: 'orders"read' }), admin), 400, 'invalid_scope');
  });

  it('honours a client\'s own audience and token lifetime', async () => {
    const answer = await post(grant(), { authorization: basic('partner', 'partner-secret') });
    expect(answer.body).toMatchObject({ token_type: 'Bearer', expires_in: 60, scope: 'orders:read' });
    const claims = decodeJwt(answer.body.access_token as string);
    expect(claims.aud).toBe('https://partner.example');
    expect(claims.exp! - claims.iat!).toBe(60);
  });

  it('RFC 8707: a token for a resource the client may use has that resource as aud; any other resource is invalid_target', async () => {
    const agent = { authorization: basic('agent', 'agent-secret') };
    const token = expectIssued(await post(grant({ resource: 'https://mcp.example.test/mcp' }), agent), 'orders:read');
    expect(decodeJwt(token).aud).toBe('https://mcp.example.test/mcp');
    expect(decodeJwt(expectIssued(await post(grant({ resource: 'https://other.example.test' }), agent), 'orders:read')).aud).toBe('https://other.example.test');
    // Another path, case or trailing slash is another resource; a client without resources may name none.
    for (const resource of ['https://mcp.example.test/mcp2', 'https://MCP.example.test/mcp', 'https://mcp.example.test/mcp/']) {
      expectError(await post(grant({ resource }), agent), 400, 'invalid_target');
    }
    expectError(await post(grant({ resource: 'https://api.example.test' }), admin), 400, 'invalid_target');
    // Without the parameter: the default audience, as before.
    expect(decodeJwt(expectIssued(await post(grant(), agent), 'orders:read')).aud).toBe(issuer.audience);
  });

  it('unauthorized_client when the client may not use client_credentials', async () => {
    expectError(await post(grant(), { authorization: basic('web-app', 'web-secret') }), 400, 'unauthorized_client');
  });

  it('invalid_request without grant_type; unsupported_grant_type for another grant', async () => {
    expectError(await post(form({}), admin), 400, 'invalid_request');
    expectError(await post(form({ grant_type: 'password', username: 'u', password: 'p' }), admin), 400, 'unsupported_grant_type');
    expectError(await post(form({ grant_type: 'authorization_code', code: 'x' }), admin), 400, 'unsupported_grant_type');
  });

  it('invalid_request for a repeated parameter, a JSON body, or parameters in the URL', async () => {
    expectError(await post(`${grant()}&grant_type=client_credentials`, admin), 400, 'invalid_request');
    expectError(await post(JSON.stringify({ grant_type: 'client_credentials' }), { ...admin, 'content-type': 'application/json' }), 400, 'invalid_request');
    expectError(await post(grant(), admin, `${issuer.tokenEndpoint}?client_secret=x`), 400, 'invalid_request');
  });

  it('answers GET with 405 and Allow: POST', async () => {
    const answer = await post('', admin, issuer.tokenEndpoint, 'GET');
    expectError(answer, 405, 'invalid_request');
    expect(answer.headers.get('allow')).toBe('POST');
  });

  it('refuses a body over 16 KiB with 413, whether it declares its length or not', async () => {
    const big = grant({ padding: 'x'.repeat(17 * 1024) });
    expectError(await post(big, admin), 413, 'invalid_request');
    // A chunked body (no Content-Length) is cut off while it is read.
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(big));
        controller.close();
      },
    });
    const response = await fetch(issuer.tokenEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...admin },
      body: stream,
      duplex: 'half',
      signal: AbortSignal.timeout(5000),
    } as RequestInit);
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ error: 'invalid_request' });
  });

  it('counts token requests, refused ones included; resetRequests zeroes the count', async () => {
    await post(grant(), admin);
    await post(grant(), { authorization: basic('admin', 'wrong') });
    expect(issuer.requests).toMatchObject({ token: 2, jwks: 0, discovery: 0, total: 2 });
    issuer.resetRequests();
    expect(issuer.requests.token).toBe(0);
  });

  it('signs with the first key still published, so a retired key never signs a fresh token', async () => {
    const local = await createTestIssuer({ algorithms: ['ES256', 'EdDSA'], clients: [{ clientId: 'c', clientSecret: 's', scopes: ['a'] }] });
    try {
      local.retire(local.keys[0]!.kid);
      const answer = await post(grant(), { authorization: basic('c', 's') }, local.tokenEndpoint);
      expect(decodeProtectedHeader(answer.body.access_token as string).kid).toBe(local.keys[1]?.kid);
    } finally {
      await local.close();
    }
  });

  it('without clients the endpoint answers invalid_client', async () => {
    const bare = await createTestIssuer({ algorithms: ['ES256'] });
    try {
      expectError(await post(grant(), { authorization: basic('admin', ADMIN_SECRET) }, bare.tokenEndpoint), 401, 'invalid_client');
    } finally {
      await bare.close();
    }
  });
});

describe('client registration', () => {
  it.each([
    ['an empty clientId', [{ clientId: '', clientSecret: 's', scopes: [] }], /non-empty clientId/],
    ['a duplicate clientId', [{ clientId: 'a', clientSecret: 's', scopes: [] }, { clientId: 'a', clientSecret: 't', scopes: [] }], /registered twice/],
    ['a secret method without a secret', [{ clientId: 'a', authMethod: 'client_secret_post' as const, scopes: [] }], /needs a clientSecret/],
    ['private_key_jwt without a key', [{ clientId: 'a', authMethod: 'private_key_jwt' as const, scopes: [] }], /needs jwks or publicKey/],
    ['a malformed scope', [{ clientId: 'a', clientSecret: 's', scopes: ['has space'] }], /malformed scope/],
    ['a zero token lifetime', [{ clientId: 'a', clientSecret: 's', scopes: [], tokenLifetime: 0 }], /tokenLifetime/],
  ])('createTestIssuer rejects %s', async (_name, clients, message) => {
    await expect(createTestIssuer({ algorithms: ['ES256'], clients })).rejects.toThrow(message);
  });
});
