// Audit events on node:diagnostics_channel: one event per decision, with who and why, and nothing secret.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { createTestIssuer, tamperSignature, type TestIssuer } from '@tollgate/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createGuard,
  createVerifier,
  DECISION_CHANNEL,
  JWKS_CHANNEL,
  verifyToken,
  type DecisionEvent,
  type JwksEvent,
  type VerifierOptions,
} from '../src/index.js';

let issuer: TestIssuer;
let decisions: DecisionEvent[];
let jwksEvents: JwksEvent[];
const onDecision = (event: unknown) => decisions.push(event as DecisionEvent);
const onJwks = (event: unknown) => jwksEvents.push(event as JwksEvent);

beforeAll(async () => {
  issuer = await createTestIssuer({ algorithms: ['ES256'] });
});
afterAll(async () => {
  await issuer.close();
});
beforeEach(() => {
  decisions = [];
  jwksEvents = [];
  subscribe(DECISION_CHANNEL, onDecision);
  subscribe(JWKS_CHANNEL, onJwks);
});
afterEach(() => {
  unsubscribe(DECISION_CHANNEL, onDecision);
  unsubscribe(JWKS_CHANNEL, onJwks);
  issuer.setFault(null);
});

const options = (extra: Partial<VerifierOptions> = {}): VerifierOptions => ({
  issuer: issuer.issuer,
  audience: issuer.audience,
  allowInsecureRequests: true,
  ...extra,
});
const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

/** No event may carry the token, its signature, or key material. */
function expectNothingSecret(events: readonly unknown[], token: string): void {
  const text = JSON.stringify(events);
  for (const part of token.split('.')) if (part.length >= 10) expect(text).not.toContain(part.slice(0, 10));
  for (const key of issuer.keys) expect(text).not.toContain(String(key.publicJwk.x));
  expect(text).not.toMatch(/"(d|k|token)":/);
}

describe('authentication decisions', () => {
  it('publishes one accepted event per verification, with client, subject, scopes and jti', async () => {
    const verifier = createVerifier(options());
    const token = await issuer.sign({ scope: 'orders:read orders:write', client_id: 'billing-job', jti: 'abc-123' });
    await verifier.verify(token);
    await verifier.verify(token); // a cache hit is a decision too
    expect(decisions).toHaveLength(2);
    expect(decisions[0]).toEqual({
      outcome: 'accepted',
      stage: 'authentication',
      clientId: 'billing-job',
      subject: 'client-123',
      issuer: issuer.issuer,
      scopes: ['orders:read', 'orders:write'],
      tokenId: 'abc-123',
      expiresAt: expect.any(Date),
    });
    expectNothingSecret(decisions, token);
  });

  it('publishes a rejection with the status, code, reason and description the client gets', async () => {
    const verifier = createVerifier(options());
    const token = await issuer.sign({ scope: 'orders:read' }, { expiresIn: -60 });
    await expect(verifier.verify(token)).rejects.toThrow('token expired');
    const forged = tamperSignature(await issuer.sign());
    await expect(verifier.verify(forged)).rejects.toThrow('invalid signature');
    expect(decisions).toEqual([
      { outcome: 'rejected', stage: 'authentication', status: 401, code: 'invalid_token', reason: 'expired', description: 'token expired' },
      { outcome: 'rejected', stage: 'authentication', status: 401, code: 'invalid_token', reason: 'signature', description: 'invalid signature' },
    ]);
    expectNothingSecret(decisions, token);
    expectNothingSecret(decisions, forged);
  });

  it('authenticate publishes once per request: missing, malformed, anonymous and accepted', async () => {
    const verifier = createVerifier(options());
    await expect(verifier.authenticate({ headers: {} })).rejects.toThrow();
    await expect(verifier.authenticate({ headers: { authorization: 'Bearer a b' } })).rejects.toThrow();
    await expect(verifier.authenticate({ headers: {} }, { optional: true })).resolves.toBeUndefined();
    await verifier.authenticate(bearer(await issuer.sign()));
    expect(decisions.map((event) => [event.outcome, event.outcome === 'rejected' ? `${event.status} ${event.reason}` : ''])).toEqual([
      ['rejected', '401 missing_token'],
      ['rejected', '400 malformed_header'],
      ['anonymous', ''],
      ['accepted', ''],
    ]);
    expect(decisions[0]).toMatchObject({ code: undefined, description: 'bearer token required' });
    expect(decisions[2]).toEqual({ outcome: 'anonymous', stage: 'authentication', reason: 'missing_token' });
  });

  it('authenticate tells credentials of another scheme from none: reason unsupported_scheme, required or optional', async () => {
    const verifier = createVerifier(options());
    const basic = { headers: { authorization: 'Basic dXNlcjpwYXNz' } };
    await expect(verifier.authenticate(basic)).rejects.toThrow();
    await expect(verifier.authenticate(basic, { optional: true })).resolves.toBeUndefined();
    expect(decisions).toEqual([
      { outcome: 'rejected', stage: 'authentication', status: 401, code: undefined, reason: 'unsupported_scheme', description: expect.any(String) },
      { outcome: 'anonymous', stage: 'authentication', reason: 'unsupported_scheme' },
    ]);
    // The credentials of the other scheme are never quoted.
    expect(JSON.stringify(decisions)).not.toContain('dXNlcjpwYXNz');
  });

  it('verifyToken() publishes like a verifier', async () => {
    const token = await issuer.sign({ client_id: 'queue-consumer' });
    await verifyToken(token, options());
    expect(decisions).toEqual([expect.objectContaining({ outcome: 'accepted', clientId: 'queue-consumer' })]);
  });

  it('a JWKS outage without keys is a 503 decision, and the failed fetch is a JWKS event', async () => {
    issuer.setFault({ kind: 'error', status: 500 }, 'jwks');
    const verifier = createVerifier(options());
    await expect(verifier.verify(await issuer.sign())).rejects.toThrow();
    expect(decisions).toEqual([
      expect.objectContaining({ outcome: 'rejected', status: 503, code: 'temporarily_unavailable', reason: 'jwks_unavailable' }),
    ]);
    expect(jwksEvents).toEqual([
      { outcome: 'failed', source: issuer.issuer, problem: 'endpoint', error: expect.stringMatching(/responded 500$/), staleKeys: false },
    ]);
  });
});

describe('authorization decisions', () => {
  it('a scope check publishes accepted or rejected with the required scopes, after the authentication event', async () => {
    const verifier = createVerifier(options());
    const guard = createGuard(verifier, { scopes: ['orders:write'] });
    await guard(bearer(await issuer.sign({ scope: 'orders:write', jti: 'w-1' })), {});
    const reader = await issuer.sign({ scope: 'orders:read', jti: 'r-1' });
    await expect(guard(bearer(reader), {})).rejects.toThrow('token lacks a required scope');
    expect(decisions.map((event) => `${event.stage} ${event.outcome}`)).toEqual([
      'authentication accepted',
      'authorization accepted',
      'authentication accepted',
      'authorization rejected',
    ]);
    expect(decisions[1]).toMatchObject({ tokenId: 'w-1', requiredScopes: ['orders:write'], mode: 'all' });
    expect(decisions[3]).toEqual({
      outcome: 'rejected',
      stage: 'authorization',
      status: 403,
      code: 'insufficient_scope',
      reason: 'insufficient_scope',
      description: 'token lacks a required scope',
      clientId: 'client-123',
      subject: 'client-123',
      issuer: issuer.issuer,
      scopes: ['orders:read'],
      tokenId: 'r-1',
      requiredScopes: ['orders:write'],
      mode: 'all',
    });
    expectNothingSecret(decisions, reader);
  });

  it('a guard reusing an upstream token publishes only the authorization decision', async () => {
    const verifier = createVerifier(options());
    const auth = await verifier.verify(await issuer.sign({ scope: 'orders:read' }));
    decisions = [];
    await createGuard(verifier, { scopes: ['orders:read'] })({ headers: {} }, { auth, decision: { verifier, token: auth, realm: undefined, scope: '', allowQuery: false, allowBody: false, preflight: false } });
    expect(decisions).toEqual([expect.objectContaining({ stage: 'authorization', outcome: 'accepted' })]);
  });

  it('a scope check behind optional auth that found no token publishes a 401 authorization rejection', async () => {
    const verifier = createVerifier(options());
    const guard = createGuard(verifier, { scopes: ['orders:read'] });
    await expect(guard({ headers: {} }, { decision: { verifier, token: undefined, realm: undefined, scope: '', allowQuery: false, allowBody: false, preflight: false } })).rejects.toThrow('bearer token required');
    expect(decisions).toEqual([expect.objectContaining({ stage: 'authorization', outcome: 'rejected', status: 401, reason: 'missing_token' })]);
  });
});

describe('JWKS events', () => {
  it('publishes each fetch with the kids it found and whether the set changed (rotation)', async () => {
    const rotating = await createTestIssuer({ algorithms: ['ES256'] });
    try {
      const verifier = createVerifier({ issuer: rotating.issuer, audience: rotating.audience, allowInsecureRequests: true });
      await verifier.verify(await rotating.sign());
      const next = await rotating.rotate({ alg: 'ES256' });
      await verifier.verify(await rotating.sign({}, { kid: next.kid }));
      expect(jwksEvents).toEqual([
        { outcome: 'fetched', source: rotating.issuer, keys: 1, kids: [rotating.keys[0]!.kid], changed: true },
        { outcome: 'fetched', source: rotating.issuer, keys: 2, kids: [rotating.keys[0]!.kid, next.kid], changed: true },
      ]);
    } finally {
      await rotating.close();
    }
  });

  it('with no subscriber nothing is built or published, and decisions are unchanged', async () => {
    unsubscribe(DECISION_CHANNEL, onDecision);
    unsubscribe(JWKS_CHANNEL, onJwks);
    const verifier = createVerifier(options());
    await expect(verifier.verify(await issuer.sign({ scope: 'x' }))).resolves.toMatchObject({ scopes: ['x'] });
    expect(decisions).toEqual([]);
    expect(jwksEvents).toEqual([]);
  });
});
