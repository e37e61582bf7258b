// Hostile introspection endpoints: a local server on 127.0.0.1 answers each case its own way (not JSON, `active: "true"`,
// huge, slow, missing or mismatched claims, forged RFC 9701 signatures, redirects). Every answer that is not a clear
// "active" for this API is a refusal: 401 when the endpoint spoke about the token, 503 when the endpoint or its answer failed.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createTestIssuer, type TestIssuer } from '@tollgate/testing';
import { createVerifier, type IntrospectionOptions, type VerifierOptions } from '@tollgate/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startServer, type LocalServer } from '../../packages/core/test/support/jwks-support.js';

const API = 'https://api.example.test';
const CLIENT_ID = 'orders-api';
const TOKEN = 'opaque-token-0123456789abcdef';

/** How the endpoint answers one case. */
interface Answer {
  status?: number;
  /** Content-Type; default application/json. */
  type?: string;
  /** The body as is; or `json`, serialized; or `jwt`, built from the live issuer. */
  body?: string;
  json?: unknown;
  jwt?: (issuer: TestIssuer) => Promise<string>;
  /** Extra headers. */
  headers?: Record<string, string>;
  /** Milliseconds before answering; `'never'` holds the request open. */
  delay?: number | 'never';
  /** Streams this many bytes of spaces after the body without a Content-Length. */
  pad?: number;
}

interface Case {
  name: string;
  answer: Answer;
  introspection?: Partial<IntrospectionOptions>;
  expect: { status: 200 | 401 | 503; reason?: string; scopes?: string[] };
}

let issuer: TestIssuer;
let endpoint: LocalServer;
let current: Answer = {};
let redirectTarget: LocalServer;

const nowSeconds = () => Math.floor(Date.now() / 1000);
/** The members of an active response that passes every check. */
const good = (over: Record<string, unknown> = {}) => ({
  active: true,
  iss: issuer.issuer,
  aud: API,
  exp: nowSeconds() + 300,
  client_id: 'client-o',
  scope: 'orders:read',
  token_type: 'Bearer',
  ...over,
});
/** A signed (RFC 9701) response of the live issuer; `claims` and `header` override the well-formed ones. */
const signed = (inner: () => Record<string, unknown>, claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}) => async (live: TestIssuer) =>
  live.sign({ aud: CLIENT_ID, token_introspection: inner(), ...claims }, { header: { typ: 'token-introspection+jwt', ...header }, alg: 'ES256' });
const JWT_TYPE = 'application/token-introspection+jwt';

const CASES: Case[] = [
  { name: 'a well-formed active answer is accepted', answer: { json: undefined }, expect: { status: 200, scopes: ['orders:read'] } },
  { name: 'a body that is not JSON', answer: { body: '<html>oops</html>' }, expect: { status: 503, reason: 'introspection_unavailable' } },
  { name: 'JSON under another content type', answer: { body: '{"active":true}', type: 'text/html' }, expect: { status: 503, reason: 'introspection_unavailable' } },
  { name: 'a JSON array', answer: { json: [{ active: true }] }, expect: { status: 503, reason: 'introspection_unavailable' } },
  { name: 'JSON null', answer: { body: 'null' }, expect: { status: 503, reason: 'introspection_unavailable' } },
  { name: 'active: "true" (a string) is not active', answer: { json: { ...{}, active: 'true' } }, expect: { status: 401, reason: 'inactive' } },
  { name: 'active: 1 is not active', answer: { json: { active: 1 } }, expect: { status: 401, reason: 'inactive' } },
  { name: 'no active member is not active', answer: { json: {} }, expect: { status: 401, reason: 'inactive' } },
  { name: 'active: false', answer: { json: { active: false } }, expect: { status: 401, reason: 'inactive' } },
  { name: 'active with nothing else: no iss', answer: { json: { active: true } }, expect: { status: 401, reason: 'missing_claim' } },
  { name: 'a mismatched iss', answer: { json: 'good:iss=https://evil.example.test/' }, expect: { status: 401, reason: 'issuer' } },
  { name: 'another audience', answer: { json: 'good:aud=https://other.example.test' }, expect: { status: 401, reason: 'audience' } },
  { name: 'no exp', answer: { json: 'good:exp=$omit' }, expect: { status: 401, reason: 'missing_claim' } },
  { name: 'an exp in the past', answer: { json: 'good:exp=$past' }, expect: { status: 401, reason: 'expired' } },
  { name: 'an nbf in the future', answer: { json: 'good:nbf=$future' }, expect: { status: 401, reason: 'not_yet_valid' } },
  { name: 'a numeric scope', answer: { json: 'good:scope=$number' }, expect: { status: 401, reason: 'invalid_claim' } },
  { name: 'a cnf binding (sender-constrained token)', answer: { json: 'good:cnf=$cnf' }, expect: { status: 401, reason: 'sender_constrained' } },
  { name: 'token_type DPoP', answer: { json: 'good:token_type=DPoP' }, expect: { status: 401, reason: 'token_type' } },
  { name: "a refresh token (Ory Hydra's token_use)", answer: { json: 'good:token_use=refresh_token' }, expect: { status: 401, reason: 'token_type' } },
  { name: "an access token (Ory Hydra's token_use) is accepted", answer: { json: 'good:token_use=access_token' }, expect: { status: 200, scopes: ['orders:read'] } },
  { name: "a refresh token (Keycloak's typ)", answer: { json: 'good:typ=Refresh' }, expect: { status: 401, reason: 'token_type' } },
  { name: "an offline token (Keycloak's typ)", answer: { json: 'good:typ=Offline' }, expect: { status: 401, reason: 'token_type' } },
  { name: "an access token (Keycloak's typ Bearer) is accepted", answer: { json: 'good:typ=Bearer' }, expect: { status: 200, scopes: ['orders:read'] } },
  { name: 'a __proto__ member grants nothing', answer: { body: '$proto' }, expect: { status: 200, scopes: ['orders:read'] } },
  { name: 'claims nested deeper than any token', answer: { body: '$deep' }, expect: { status: 401, reason: 'invalid_claim' } },
  { name: 'a huge body without Content-Length', answer: { json: undefined, pad: 200_000 }, expect: { status: 503, reason: 'introspection_unavailable' } },
  { name: 'a huge declared Content-Length', answer: { body: '{"active":false}', headers: { 'content-length': '99999999' } }, expect: { status: 503, reason: 'introspection_unavailable' } },
  { name: 'an answer slower than the timeout', answer: { json: undefined, delay: 'never' }, introspection: { timeout: '0.3s' }, expect: { status: 503, reason: 'introspection_unavailable' } },
  { name: 'a 500', answer: { status: 500, json: { error: 'server_error' } }, expect: { status: 503, reason: 'introspection_unavailable' } },
  { name: 'a 401 for the API credentials', answer: { status: 401, json: { error: 'invalid_client' } }, expect: { status: 503, reason: 'introspection_unavailable' } },
  { name: 'a 400 invalid_client', answer: { status: 400, json: { error: 'invalid_client' } }, expect: { status: 503, reason: 'introspection_unavailable' } },
  { name: 'a redirect is not followed', answer: { status: 307, headers: { location: '$redirect' }, body: '' }, expect: { status: 503, reason: 'introspection_unavailable' } },
  // RFC 9701 signed responses (jwtResponse: true).
  { name: 'signed: a well-formed answer is accepted', answer: { type: JWT_TYPE, jwt: signed(() => good()) }, introspection: { jwtResponse: true }, expect: { status: 200, scopes: ['orders:read'] } },
  { name: 'signed required, plain JSON answered', answer: { json: undefined }, introspection: { jwtResponse: true }, expect: { status: 503, reason: 'introspection_unavailable' } },
  { name: 'signed: typ at+jwt (an access token passed off as a response)', answer: { type: JWT_TYPE, jwt: signed(() => good(), {}, { typ: 'at+jwt' }) }, introspection: { jwtResponse: true }, expect: { status: 503, reason: 'introspection_unavailable' } },
  { name: 'signed: addressed to another client', answer: { type: JWT_TYPE, jwt: signed(() => good(), { aud: 'another-api' }) }, introspection: { jwtResponse: true }, expect: { status: 503, reason: 'introspection_unavailable' } },
  { name: 'signed: by an issuer not configured', answer: { type: JWT_TYPE, jwt: signed(() => good(), { iss: 'https://evil.example.test/' }) }, introspection: { jwtResponse: true }, expect: { status: 503, reason: 'introspection_unavailable' } },
  { name: 'signed: about a token of another issuer', answer: { type: JWT_TYPE, jwt: signed(() => good({ iss: 'https://evil.example.test/' })) }, introspection: { jwtResponse: true }, expect: { status: 503, reason: 'introspection_unavailable' } },
  { name: 'signed: a forged signature', answer: { type: JWT_TYPE, jwt: async (live) => `${(await signed(() => good())(live)).slice(0, -4)}AAAA` }, introspection: { jwtResponse: true }, expect: { status: 503, reason: 'introspection_unavailable' } },
  { name: 'signed: alg none', answer: { type: JWT_TYPE, jwt: async (live) => live.unsafe.algNone({ aud: CLIENT_ID, token_introspection: good() }, { typ: 'token-introspection+jwt' }) }, introspection: { jwtResponse: true }, expect: { status: 503, reason: 'introspection_unavailable' } },
  { name: 'signed: no iat', answer: { type: JWT_TYPE, jwt: async (live) => live.sign({ aud: CLIENT_ID, token_introspection: good() }, { header: { typ: 'token-introspection+jwt' }, alg: 'ES256', omit: ['iat'] }) }, introspection: { jwtResponse: true }, expect: { status: 503, reason: 'introspection_unavailable' } },
  { name: 'signed: inner active "true" is not active', answer: { type: JWT_TYPE, jwt: signed(() => good({ active: 'true' })) }, introspection: { jwtResponse: true }, expect: { status: 401, reason: 'inactive' } },
];

/** Expands the `good:<claim>=<value>` shorthand of the table into a response object. */
function expand(json: unknown): unknown {
  if (json === undefined) return good();
  if (typeof json !== 'string' || !json.startsWith('good:')) return json;
  const [claim, raw] = json.slice(5).split('=') as [string, string];
  const values: Record<string, unknown> = { $past: nowSeconds() - 3600, $future: nowSeconds() + 3600, $number: 42, $cnf: { jkt: 'x' } };
  const response: Record<string, unknown> = good();
  if (raw === '$omit') delete response[claim];
  else response[claim] = raw in values ? values[raw] : raw;
  return response;
}

async function respond(req: IncomingMessage, res: ServerResponse): Promise<void> {
  for await (const _chunk of req) {
    // The request body is read and dropped.
  }
  const answer = current;
  if (answer.delay === 'never') return;
  if (answer.delay) await new Promise((resolve) => setTimeout(resolve, answer.delay as number));
  let body = answer.body;
  if (body === '$proto') body = JSON.stringify(good()).replace(/^\{/, '{"__proto__":{"scope":"orders:admin"},');
  else if (body === '$deep') body = JSON.stringify(good()).replace(/\}$/, `,"deep":${'['.repeat(100)}${']'.repeat(100)}}`);
  else if (answer.jwt) body = await answer.jwt(issuer);
  else if (body === undefined) body = JSON.stringify(expand(answer.json));
  const headers: Record<string, string> = { 'content-type': answer.type ?? 'application/json', ...answer.headers };
  if (headers.location === '$redirect') headers.location = `${redirectTarget.origin}/introspect`;
  res.writeHead(answer.status ?? 200, headers);
  if (answer.pad) {
    res.write(body);
    res.end(' '.repeat(answer.pad));
  } else res.end(body);
}

beforeAll(async () => {
  issuer = await createTestIssuer({ algorithms: ['ES256'], audience: API });
  endpoint = await startServer((req, res) => void respond(req, res));
  redirectTarget = await startServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(good())));
});

afterAll(async () => {
  await Promise.all([issuer.close(), endpoint.close(), redirectTarget.close()]);
});

const optionsFor = (introspection: Partial<IntrospectionOptions> = {}): VerifierOptions => ({
  issuer: issuer.issuer,
  audience: API,
  allowInsecureRequests: true,
  introspection: { endpoint: `${endpoint.origin}/introspect`, clientId: CLIENT_ID, clientSecret: 'secret', maxResponseBytes: 64 * 1024, ...introspection },
});

describe('hostile introspection answers', () => {
  test.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    current = c.answer;
    const verifier = createVerifier(optionsFor(c.introspection));
    const outcome = await verifier.verify(TOKEN).then(
      (token) => ({ status: 200, scopes: [...token.scopes], verifiedBy: token.verifiedBy }),
      (error: { status: number; reason: string; description: string }) => ({ status: error.status, reason: error.reason, description: error.description }),
    );
    if (c.expect.status === 200) expect(outcome).toEqual({ status: 200, scopes: c.expect.scopes, verifiedBy: 'introspection' });
    else {
      expect(outcome).toMatchObject(c.expect);
      // Nothing of the answer reaches the description: it is one of tollgate's fixed texts.
      expect((outcome as { description: string }).description).toMatch(/^[a-z ,-]+$/);
    }
  });

  test('the redirect target was never asked', () => {
    expect(redirectTarget.requests).toEqual([]);
  });
});
