// Claim rules against real signed tokens: the verifier's (401, part of validity) and a route's (403), caching, 503s, audit events.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { createTestIssuer, type TestIssuer } from '@tollgate/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  ClaimsUnavailableError,
  createGuard,
  createVerifier,
  DECISION_CHANNEL,
  InsufficientClaimsError,
  InsufficientScopeError,
  InvalidTokenError,
  MissingTokenError,
  verifyToken,
  type ClaimRuleSet,
  type DecisionEvent,
  type GuardState,
  type RequestLike,
  type VerifierOptions,
} from '../src/index.js';

let issuer: TestIssuer;
let decisions: DecisionEvent[];
const onDecision = (event: unknown) => decisions.push(event as DecisionEvent);

beforeAll(async () => {
  issuer = await createTestIssuer({ algorithms: ['ES256'] });
});
afterAll(async () => {
  await issuer.close();
});
beforeEach(() => {
  decisions = [];
  subscribe(DECISION_CHANNEL, onDecision);
});
afterEach(() => {
  unsubscribe(DECISION_CHANNEL, onDecision);
  vi.restoreAllMocks();
});

const options = (claims?: ClaimRuleSet, extra: Partial<VerifierOptions> = {}): VerifierOptions => ({
  issuer: issuer.issuer,
  audience: issuer.audience,
  allowInsecureRequests: true,
  ...(claims === undefined ? {} : { claims }),
  ...extra,
});
const request = (token?: string): RequestLike => ({ method: 'GET', headers: token ? { authorization: `Bearer ${token}` } : {} });
const refusal = async (promise: Promise<unknown>) => {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a refusal');
};

describe('the verifier\'s claims', () => {
  it('accepts a token that satisfies every rule', async () => {
    const verifier = createVerifier(options({ tenant: 'acme', tier: { oneOf: ['gold', 'silver'] }, groups: { includes: 'admin' }, roles: { includesAll: ['a', 'b'] } }));
    const token = await issuer.sign({ tenant: 'acme', tier: 'silver', groups: ['dev', 'admin'], roles: 'b a c' });
    expect((await verifier.verify(token)).claims.tenant).toBe('acme');
  });

  it('refuses a token that fails one with 401 invalid_token, reason claim_rule, naming the rule but never a value', async () => {
    const verifier = createVerifier(options({ tenant: 'acme', groups: { includes: 'admin' } }));
    const error = (await refusal(verifier.verify(await issuer.sign({ tenant: 'evil-corp', groups: ['admin'] })))) as InvalidTokenError;
    expect(error).toBeInstanceOf(InvalidTokenError);
    expect(error).toMatchObject({ status: 401, code: 'invalid_token', reason: 'claim_rule', rule: { kind: 'equals', claim: 'tenant' } });
    expect(error.wwwAuthenticate()).toBe('Bearer realm="api", error="invalid_token", error_description="token claims not accepted"');
    expect(JSON.stringify(error.toJSON()) + error.wwwAuthenticate()).not.toMatch(/acme|evil/);
    const event = decisions.at(-1)!;
    expect(event).toMatchObject({ outcome: 'rejected', stage: 'authentication', reason: 'claim_rule', rule: { kind: 'equals', claim: 'tenant' } });
    expect(JSON.stringify(event)).not.toMatch(/acme|evil/);
  });

  it('refuses a token without the claim, or with it of another type', async () => {
    const verifier = createVerifier(options({ level: 3 }));
    for (const claims of [{}, { level: '3' }, { level: [3] }, { level: null }, { level: { value: 3 } }]) {
      expect(await refusal(verifier.verify(await issuer.sign(claims)))).toMatchObject({ reason: 'claim_rule', rule: { claim: 'level' } });
    }
    await expect(verifier.verify(await issuer.sign({ level: 3 }))).resolves.toBeDefined();
  });

  it('remembers a declarative refusal like any other (the rule is named again), since the signed claims cannot change', async () => {
    const verifier = createVerifier(options({ tenant: 'acme' }));
    const token = await issuer.sign({ tenant: 'other' });
    await refusal(verifier.verify(token));
    const again = await refusal(verifier.verify(token));
    expect(again).toMatchObject({ reason: 'claim_rule', rule: { kind: 'equals', claim: 'tenant' } });
  });

  it('runs a validator on every request, cache hits included: a token revoked after it was cached is refused', async () => {
    const revoked = new Set<string>();
    let calls = 0;
    const verifier = createVerifier(
      options([
        { tenant: 'acme' },
        function notRevoked(claims) {
          calls += 1;
          return !revoked.has(String(claims.jti));
        },
      ]),
    );
    const token = await issuer.sign({ tenant: 'acme', jti: 'token-1' });
    const first = await verifier.verify(token);
    expect(await verifier.verify(token)).toBe(first); // the cached verification
    expect(await verifier.verify(token)).toBe(first);
    expect(calls).toBe(3);
    revoked.add('token-1');
    expect(await refusal(verifier.verify(token))).toMatchObject({ status: 401, reason: 'claim_rule', rule: { kind: 'validator', validator: 'notRevoked' } });
    // Not remembered: the state it read may change back.
    revoked.delete('token-1');
    expect(await verifier.verify(token)).toBe(first);
  });

  it('answers a cache hit synchronously through authenticate when the validator is synchronous', async () => {
    const verifier = createVerifier(options(() => true));
    const token = await issuer.sign();
    await verifier.authenticate(request(token));
    await expect(verifier.authenticate(request(token))).resolves.toMatchObject({ issuer: issuer.issuer });
  });

  it.each<[string, ClaimRuleSet]>([
    ['throws', () => { throw new Error('redis down'); }],
    ['rejects', async () => { throw new Error('redis down'); }],
    ['returns undefined', (() => undefined) as unknown as ClaimRuleSet],
    ['returns a truthy string', (() => 'yes') as unknown as ClaimRuleSet],
    ['returns a promise of undefined', (async () => undefined) as unknown as ClaimRuleSet],
  ])('a validator that %s refuses with 503 temporarily_unavailable and Retry-After, never a pass or a 500', async (_name, validator) => {
    vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const verifier = createVerifier(options(validator));
    const token = await issuer.sign();
    const error = (await refusal(verifier.authenticate(request(token)))) as ClaimsUnavailableError;
    expect(error).toBeInstanceOf(ClaimsUnavailableError);
    expect(error).toMatchObject({ status: 503, code: 'temporarily_unavailable', reason: 'claim_check_failed', rule: { kind: 'validator' } });
    expect(error.headers['Retry-After']).toBe('5');
    expect(error.wwwAuthenticate()).toBe('Bearer realm="api", error="temporarily_unavailable", error_description="token claims could not be checked"');
    expect(JSON.stringify(error.toJSON())).not.toMatch(/redis|yes/);
    expect(decisions.at(-1)).toMatchObject({ outcome: 'rejected', status: 503, reason: 'claim_check_failed', rule: { kind: 'validator', validator: 'validator#1' } });
  });

  it('verifyToken does not reuse a verifier whose validator differs (options holding a function match by identity only)', async () => {
    const token = await issuer.sign({ tenant: 'acme' });
    await expect(verifyToken(token, options([{ tenant: 'acme' }, () => true]))).resolves.toBeDefined();
    await expect(verifyToken(token, options([{ tenant: 'acme' }, () => false]))).rejects.toMatchObject({ reason: 'claim_rule' });
  });
});

describe('a route\'s claims (createGuard)', () => {
  let verifier: ReturnType<typeof createVerifier>;
  beforeAll(() => {
    verifier = createVerifier(options());
  });
  const state = (): GuardState => ({});

  it('admits a token that satisfies the rules and publishes an accepted authorization naming them', async () => {
    const guard = createGuard(verifier, { claims: { groups: { includes: 'admin' } }, name: 'requireClaims' });
    await expect(guard(request(await issuer.sign({ groups: 'dev admin' })), state())).resolves.toBeDefined();
    expect(decisions.at(-1)).toMatchObject({ outcome: 'accepted', stage: 'authorization', claimRules: [{ kind: 'includes', claim: 'groups' }] });
  });

  it('refuses a valid token that fails a rule with 403 insufficient_scope, without a scope attribute', async () => {
    const guard = createGuard(verifier, { claims: { tenant: 'acme' }, name: 'requireClaims', realm: 'orders' });
    const error = (await refusal(guard(request(await issuer.sign({ tenant: 'globex' })), state()))) as InsufficientClaimsError;
    expect(error).toBeInstanceOf(InsufficientClaimsError);
    expect(error).not.toBeInstanceOf(InvalidTokenError);
    expect(error).not.toBeInstanceOf(InsufficientScopeError);
    expect(error).toMatchObject({ status: 403, code: 'insufficient_scope', reason: 'claim_rule', rule: { kind: 'equals', claim: 'tenant' }, scope: undefined });
    expect(error.wwwAuthenticate()).toBe('Bearer realm="orders", error="insufficient_scope", error_description="token claims do not permit this request"');
    const event = decisions.at(-1)!;
    expect(event).toMatchObject({ outcome: 'rejected', stage: 'authorization', status: 403, rule: { kind: 'equals', claim: 'tenant' }, claimRules: [{ kind: 'equals', claim: 'tenant' }] });
    expect(JSON.stringify(event)).not.toMatch(/acme|globex/);
  });

  it('a route validator that returns false is a 403; one that throws is a 503 with the guard\'s realm', async () => {
    const no = createGuard(verifier, { claims: () => false, realm: 'r' });
    expect(await refusal(no(request(await issuer.sign()), state()))).toMatchObject({ status: 403, rule: { kind: 'validator' } });
    const broken = createGuard(verifier, {
      claims: async () => {
        throw new Error('x');
      },
      realm: 'r',
    });
    expect(await refusal(broken(request(await issuer.sign()), state()))).toMatchObject({ status: 503, realm: 'r', rule: { failure: 'threw' } });
  });

  it('needs a token: 401 without one, even behind an optional authentication upstream', async () => {
    const optional = createGuard(verifier, { optional: true });
    const claims = createGuard(verifier, { claims: { tenant: 'acme' } });
    const shared = state();
    await optional(request(), shared);
    expect(await refusal(claims(request(), shared))).toBeInstanceOf(MissingTokenError);
  });

  it('checks scopes first: a token lacking the scope is a 403 naming the scope', async () => {
    const guard = createGuard(verifier, { scopes: ['orders:read'], claims: { tenant: 'acme' } });
    expect(await refusal(guard(request(await issuer.sign({ tenant: 'globex' })), state()))).toBeInstanceOf(InsufficientScopeError);
    expect(await refusal(guard(request(await issuer.sign({ tenant: 'globex', scope: 'orders:read' })), state()))).toBeInstanceOf(InsufficientClaimsError);
  });

  it('a route may narrow the verifier to one of its issuers with a rule on iss', async () => {
    const guard = createGuard(verifier, { claims: { iss: 'https://other.example.com/' } });
    expect(await refusal(guard(request(await issuer.sign()), state()))).toMatchObject({ status: 403, rule: { claim: 'iss' } });
  });
});
