// What tollgate sends to the introspection endpoint: the form (RFC 7662 section 2.1), Accept, and the API's
// client authentication (RFC 6749 section 2.3.1 with form-urlencoded id and secret; RFC 7523 private_key_jwt);
// and discovery of the endpoint from the issuer's metadata.
import { generateKeyPairSync } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { createTestIssuer, type TestIssuer } from '@tollgate/testing';
import { decodeProtectedHeader, importJWK, jwtVerify } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { createVerifier, INTROSPECTION_CHANNEL, verifyToken, type IntrospectionEvent, type IntrospectionOptions } from '../src/index.js';
import { startServer, type LocalServer } from './support/jwks-support.js';

const API = 'https://api.example.test';

interface Seen {
  headers: IncomingMessage['headers'];
  form: URLSearchParams;
}

let issuer: TestIssuer;
let endpoint: LocalServer;
let seen: Seen[] = [];

const read = async (req: IncomingMessage): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

beforeAll(async () => {
  issuer = await createTestIssuer({ algorithms: ['ES256'], audience: API });
  endpoint = await startServer((req, res) => {
    void read(req).then((body) => {
      seen.push({ headers: req.headers, form: new URLSearchParams(body) });
      const active = { active: true, iss: issuer.issuer, aud: API, exp: Math.floor(Date.now() / 1000) + 300, client_id: 'c' };
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(active));
    });
  });
});
afterAll(async () => {
  await Promise.all([issuer.close(), endpoint.close()]);
});
beforeEach(() => {
  seen = [];
});

const verifierWith = (introspection: Partial<IntrospectionOptions>) =>
  createVerifier({
    issuer: issuer.issuer,
    audience: API,
    allowInsecureRequests: true,
    introspection: { endpoint: `${endpoint.origin}/introspect`, clientId: 'api', ...introspection } as IntrospectionOptions,
  });

describe('the introspection request', () => {
  it('client_secret_basic: POST form with token and token_type_hint, Accept JSON, id and secret form-urlencoded before Basic encoding', async () => {
    const clientId = 'orders api:1';
    const secret = 'p@ss w+rd:%/é';
    await verifierWith({ clientId, clientSecret: secret }).verify('opaque-1');
    expect(seen).toHaveLength(1);
    const [request] = seen as [Seen];
    expect(Object.fromEntries(request.form)).toEqual({ token: 'opaque-1', token_type_hint: 'access_token' });
    expect(request.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(request.headers.accept).toBe('application/json');
    const decoded = Buffer.from(request.headers.authorization!.replace(/^Basic /, ''), 'base64').toString('utf8');
    // RFC 6749 section 2.3.1 / appendix B: spaces as '+', reserved characters percent-encoded.
    expect(decoded).toBe('orders+api%3A1:p%40ss+w%2Brd%3A%25%2F%C3%A9');
  });

  it('client_secret_post: the credentials in the form, no Authorization header; tokenTypeHint: false sends no hint', async () => {
    await verifierWith({ clientSecret: 's3cret', clientAuth: 'client_secret_post', tokenTypeHint: false }).verify('opaque-2');
    const [request] = seen as [Seen];
    expect(Object.fromEntries(request.form)).toEqual({ token: 'opaque-2', client_id: 'api', client_secret: 's3cret' });
    expect(request.headers.authorization).toBeUndefined();
  });

  it('private_key_jwt: a fresh RFC 7523 assertion per request (iss = sub = client id, aud = the issuer, jti, 60 s)', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const verifier = verifierWith({ privateKey: { key: privateKey, kid: 'api-key-1', alg: 'ES256' } });
    await verifier.verify('opaque-3');
    await verifier.verify('opaque-4');
    const assertions = seen.map((request) => {
      expect(request.form.get('client_assertion_type')).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
      expect(request.form.get('client_id')).toBe('api');
      return request.form.get('client_assertion')!;
    });
    const key = await importJWK(publicKey.export({ format: 'jwk' }), 'ES256');
    const payloads = await Promise.all(assertions.map(async (assertion) => (await jwtVerify(assertion, key, { issuer: 'api', subject: 'api', audience: issuer.issuer })).payload));
    expect(decodeProtectedHeader(assertions[0]!)).toMatchObject({ alg: 'ES256', kid: 'api-key-1' });
    expect(payloads[0]!.exp! - payloads[0]!.iat!).toBe(60);
    expect(payloads[0]!.jti).not.toBe(payloads[1]!.jti);
  });

  it('verifyToken does not reuse a verifier across options that differ only in their private KeyObject (both serialize as {})', async () => {
    const keys = [generateKeyPairSync('ec', { namedCurve: 'P-256' }), generateKeyPairSync('ec', { namedCurve: 'P-256' })];
    for (const [index, pair] of keys.entries()) {
      const options = {
        issuer: issuer.issuer,
        audience: API,
        allowInsecureRequests: true,
        introspection: { endpoint: `${endpoint.origin}/introspect`, clientId: 'api', privateKey: { key: pair.privateKey, kid: 'k', alg: 'ES256' as const } },
      };
      await verifyToken(`opaque-key-${index}`, options);
    }
    const verified = await Promise.all(
      seen.map(async (request, index) => jwtVerify(request.form.get('client_assertion')!, await importJWK(keys[index]!.publicKey.export({ format: 'jwk' }), 'ES256'))),
    );
    expect(verified.map(({ payload }) => payload.sub)).toEqual(['api', 'api']);
  });

  it.each([
    ['RS256', () => generateKeyPairSync('rsa', { modulusLength: 2048 })],
    ['PS384', () => generateKeyPairSync('rsa', { modulusLength: 2048 })],
    ['ES384', () => generateKeyPairSync('ec', { namedCurve: 'P-384' })],
    ['ES512', () => generateKeyPairSync('ec', { namedCurve: 'P-521' })],
    ['EdDSA', () => generateKeyPairSync('ed25519')],
  ] as const)('private_key_jwt signs a %s assertion that jose verifies', async (alg, pair) => {
    const { privateKey, publicKey } = pair();
    await verifierWith({ privateKey: { key: privateKey, kid: 'k', alg } }).verify('opaque-alg');
    const assertion = seen[0]!.form.get('client_assertion')!;
    const { payload, protectedHeader } = await jwtVerify(assertion, publicKey, { algorithms: [alg], issuer: 'api', audience: issuer.issuer });
    expect(protectedHeader).toEqual({ alg, kid: 'k', typ: 'JWT' });
    expect(payload.sub).toBe('api');
  });

  it('jwtResponse: true asks for application/token-introspection+jwt only', async () => {
    await verifierWith({ clientSecret: 's', jwtResponse: true }).verify('opaque-5').catch(() => undefined);
    expect(seen[0]!.headers.accept).toBe('application/token-introspection+jwt');
  });
});

describe('a fetch that misbehaves', () => {
  it('a custom fetch that returns something that is not a Response: 503, never a crash or a 500', async () => {
    const verifier = createVerifier({
      issuer: issuer.issuer,
      audience: API,
      allowInsecureRequests: true,
      fetch: (async () => ({})) as unknown as typeof fetch,
      introspection: { endpoint: `${endpoint.origin}/introspect`, clientId: 'api', clientSecret: 's', cooldown: 0 },
    });
    await expect(verifier.verify('opaque-7')).rejects.toMatchObject({ status: 503, reason: 'introspection_unavailable', retryAfter: 1 });
  });
});

describe('discovery of the introspection endpoint', () => {
  it('without introspection_endpoint in the metadata: 503, and an event says to set introspection.endpoint', async () => {
    const events: IntrospectionEvent[] = [];
    const listener = (event: unknown) => events.push(event as IntrospectionEvent);
    subscribe(INTROSPECTION_CHANNEL, listener);
    try {
      const verifier = createVerifier({ issuer: issuer.issuer, audience: API, allowInsecureRequests: true, introspection: { clientId: 'api', clientSecret: 's' } });
      await expect(verifier.verify('opaque-6')).rejects.toMatchObject({ status: 503, reason: 'introspection_unavailable' });
    } finally {
      unsubscribe(INTROSPECTION_CHANNEL, listener);
    }
    expect(events).toEqual([expect.objectContaining({ problem: 'configuration', error: expect.stringContaining('set introspection.endpoint') as string })]);
  });
});
