// createGuard: the one request check behind requireAuth, requireScope and the decorators, run against a real
// verifier and the local test issuer; DefaultConfiguration: configure() vs requireAuth() defaults.
import vm from 'node:vm';
import { createTestIssuer, tamperSignature, type TestIssuer } from '@tollgate/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createGuard,
  createVerifier,
  DefaultConfiguration,
  InsufficientScopeError,
  InvalidRequestError,
  InvalidTokenError,
  JwksUnavailableError,
  MissingTokenError,
  TollgateConfigError,
  TollgateError,
} from '../src/index.js';
import type { AccessToken, Decision, GuardRules, GuardState, RequestLike, Verifier, VerifierOptions } from '../src/index.js';

const AUDIENCE_B = 'https://b.example.test';

let issuer: TestIssuer;
let verifierA: Verifier;
let verifierB: Verifier;

beforeAll(async () => {
  issuer = await createTestIssuer({ algorithms: ['ES256'] });
  verifierA = createVerifier(optionsFor(issuer.audience));
  verifierB = createVerifier(optionsFor(AUDIENCE_B));
});
afterAll(async () => {
  await issuer.close();
});

function optionsFor(audience: string, extra: Partial<VerifierOptions> = {}): VerifierOptions {
  return { issuer: issuer.issuer, audience, allowInsecureRequests: true, ...extra };
}

const sign = (claims: Record<string, unknown> = {}, expiresIn?: number) =>
  issuer.sign(claims, expiresIn === undefined ? {} : { expiresIn });

/** A request with the token in the Authorization header, or with no credentials at all. */
const withHeader = (token?: string): RequestLike => ({ method: 'GET', headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
const withQuery = (token: string): RequestLike => ({ method: 'GET', headers: {}, query: { access_token: token } });
const withBody = (token: string): RequestLike => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: { access_token: token },
});

/** A real verifier whose calls are counted, to prove when the guard does (not) verify. */
function counting(real: Verifier) {
  const calls = { authenticate: 0, verify: 0 };
  const verifier: Verifier = {
    options: real.options,
    verify: (token) => {
      calls.verify += 1;
      return real.verify(token);
    },
    authenticate: (request, options) => {
      calls.authenticate += 1;
      return real.authenticate(request, options);
    },
  };
  return { verifier, calls };
}

/** The error a promise rejects with; fails the test when it resolves. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection, but the promise resolved');
}

/** What a test compares of a refusal: its class, status, reason and the challenge it renders. */
interface Refusal {
  name: string;
  status: number;
  reason: string;
  challenge: string;
}
function describeError(error: unknown): Refusal {
  if (!(error instanceof TollgateError)) throw error;
  return { name: error.name, status: error.status, reason: error.reason, challenge: error.wwwAuthenticate() };
}

/** What an optional guard on verifierA upstream decided for a request without a token. */
const NO_TOKEN_BY_A = (): Decision => ({
  // Read when the guard runs: the table is built before beforeAll creates verifierA.
  get verifier() {
    return verifierA;
  },
  token: undefined,
  realm: undefined,
  scope: '',
  allowQuery: false,
  allowBody: false,
  preflight: false,
});

const summary = (token: AccessToken | undefined) => (token ? { subject: token.subject, scopes: token.scopes, audience: token.audience } : token);

const MISSING = { name: 'MissingTokenError', status: 401, reason: 'missing_token', challenge: 'Bearer realm="api"' };
/** RFC 6750 section 3.1: another scheme's credentials are no bearer credentials, answered as none (the reason differs). */
const OTHER_SCHEME = { ...MISSING, reason: 'unsupported_scheme' };
const lacking = (scope: string, mode: 'all' | 'any' = 'all') => ({
  name: 'InsufficientScopeError',
  status: 403,
  reason: 'insufficient_scope',
  challenge: `Bearer realm="api", error="insufficient_scope", error_description="${
    mode === 'all' ? 'token lacks a required scope' : 'token lacks any of the required scopes'
  }", scope="${scope}"`,
});
const invalidToken = (reason: string, description: string) => ({
  name: 'InvalidTokenError',
  status: 401,
  reason,
  challenge: `Bearer realm="api", error="invalid_token", error_description="${description}"`,
});

type Outcome = { passes: { subject: string; scopes: string[] } } | { passesWithout: true } | { refuses: Refusal };

interface Row {
  rules: GuardRules;
  request: () => Promise<RequestLike>;
  state?: GuardState;
  outcome: Outcome;
}

const noToken = async () => withHeader();
const token = (claims: Record<string, unknown>, expiresIn?: number) => async () => withHeader(await sign(claims, expiresIn));
const AUTHENTICATED = (scopes: string[]) => ({ passes: { subject: 'client-123', scopes } });

const table: Record<string, Row> = {
  'no token: 401 with a bare challenge': { rules: {}, request: noToken, outcome: { refuses: MISSING } },
  'a valid token: resolves it': { rules: {}, request: token({ scope: 'profile' }), outcome: AUTHENTICATED(['profile']) },
  'a token for another audience: 401 audience mismatch': {
    rules: {},
    request: token({ aud: AUDIENCE_B }),
    outcome: { refuses: invalidToken('audience', 'audience mismatch') },
  },
  'optional, no token: undefined': { rules: { optional: true }, request: noToken, outcome: { passesWithout: true } },
  'optional, an expired token: still 401': {
    rules: { optional: true },
    request: token({}, -120),
    outcome: { refuses: invalidToken('expired', 'token expired') },
  },
  'optional, a forged token: still 401': {
    rules: { optional: true },
    request: async () => withHeader(tamperSignature(await sign())),
    outcome: { refuses: invalidToken('signature', 'invalid signature') },
  },
  'optional, a malformed header: still 400': {
    rules: { optional: true },
    request: async () => ({ headers: { authorization: 'Bearer a b' } }),
    outcome: {
      refuses: {
        name: 'InvalidRequestError',
        status: 400,
        reason: 'malformed_header',
        challenge: 'Bearer realm="api", error="invalid_request", error_description="malformed Authorization header"',
      },
    },
  },
  'another scheme (Basic): 401 with a bare challenge, reason unsupported_scheme': {
    rules: {},
    request: async () => ({ headers: { authorization: 'Basic dXNlcjpwYXNz' } }),
    outcome: { refuses: OTHER_SCHEME },
  },
  'a bare word: another scheme, 401 with a bare challenge': {
    rules: {},
    request: async () => ({ headers: { authorization: 'badtoken' } }),
    outcome: { refuses: OTHER_SCHEME },
  },
  'DPoP scheme without a DPoP proof: 401 invalid_dpop_proof on the DPoP challenge (RFC 9449 section 7.1)': {
    rules: { scopes: ['orders:read'] },
    request: async () => ({ headers: { authorization: `DPoP ${await sign({ scope: 'orders:read' })}` } }),
    outcome: {
      refuses: {
        name: 'InvalidDpopProofError',
        status: 401,
        reason: 'dpop_missing_proof',
        challenge: 'Bearer realm="api", DPoP realm="api", error="invalid_dpop_proof", error_description="DPoP proof required", algs="ES256 ES384 ES512 PS256 RS256 EdDSA Ed25519"',
      },
    },
  },
  'optional, another scheme (Basic): undefined, as without a token': {
    rules: { optional: true },
    request: async () => ({ headers: { authorization: 'Basic dXNlcjpwYXNz' } }),
    outcome: { passesWithout: true },
  },
  'optional with scopes, a bare word: undefined, as without a token': {
    rules: { optional: true, scopes: ['orders:read'] },
    request: async () => ({ headers: { authorization: 'badtoken' } }),
    outcome: { passesWithout: true },
  },
  'scopes (all), no token: 401': { rules: { scopes: ['orders:read'] }, request: noToken, outcome: { refuses: MISSING } },
  'scopes (all), one of two: 403 naming both': {
    rules: { scopes: ['orders:read', 'orders:write'] },
    request: token({ scope: 'orders:read' }),
    outcome: { refuses: lacking('orders:read orders:write') },
  },
  'scopes (all), both (as scp): passes': {
    rules: { scopes: ['orders:read', 'orders:write'] },
    request: token({ scp: ['orders:write', 'orders:read'] }),
    outcome: AUTHENTICATED(['orders:write', 'orders:read']),
  },
  'scopes (any), one of them: passes': {
    rules: { scopes: ['orders:read', 'orders:admin'], mode: 'any' },
    request: token({ scope: 'orders:admin' }),
    outcome: AUTHENTICATED(['orders:admin']),
  },
  'scopes (any), none of them: 403 naming all': {
    rules: { scopes: ['orders:read', 'orders:admin'], mode: 'any' },
    request: token({ scope: 'profile' }),
    outcome: { refuses: lacking('orders:read orders:admin', 'any') },
  },
  'an optional guard with scopes, no token: undefined': {
    rules: { optional: true, scopes: ['orders:read'] },
    request: noToken,
    outcome: { passesWithout: true },
  },
  'an optional guard with scopes, a token lacking the scope: 403': {
    rules: { optional: true, scopes: ['orders:read'] },
    request: token({ scope: 'profile' }),
    outcome: { refuses: lacking('orders:read') },
  },
  'an optional guard with scopes, a token with the scope: passes': {
    rules: { optional: true, scopes: ['orders:read'] },
    request: token({ scope: 'orders:read' }),
    outcome: AUTHENTICATED(['orders:read']),
  },
  'an optional guard with scopes, an expired token: 401': {
    rules: { optional: true, scopes: ['orders:read'] },
    request: token({ scope: 'orders:read' }, -120),
    outcome: { refuses: invalidToken('expired', 'token expired') },
  },
  'optional pass upstream (same verifier), no auth, scopes: 401 (requireScope after an optional requireAuth that found nothing)': {
    rules: { scopes: ['orders:read'] },
    request: noToken,
    state: { decision: NO_TOKEN_BY_A() },
    outcome: { refuses: MISSING },
  },
  'optional pass upstream (same verifier), no auth, no scopes: 401, an optional pass upstream is no authentication for a required guard': {
    rules: {},
    request: noToken,
    state: { decision: NO_TOKEN_BY_A() },
    outcome: { refuses: MISSING },
  },
  'optional pass upstream (same verifier), no auth, an optional guard without scopes: undefined': {
    rules: { optional: true },
    request: noToken,
    state: { decision: NO_TOKEN_BY_A() },
    outcome: { passesWithout: true },
  },
  'optional pass upstream (same verifier), no auth, an optional guard with scopes: undefined': {
    rules: { optional: true, scopes: ['orders:read'] },
    request: noToken,
    state: { decision: NO_TOKEN_BY_A() },
    outcome: { passesWithout: true },
  },
  'state.auth null (Fastify decorates null): treated as absent, so 401 without a token': {
    rules: {},
    request: noToken,
    state: { auth: null },
    outcome: { refuses: MISSING },
  },
};

describe('createGuard against a real verifier', () => {
  it.each(Object.entries(table))('%s', async (_name, row) => {
    const guard = createGuard(verifierA, row.rules);
    const result = guard(await row.request(), row.state ?? {});
    const { outcome } = row;
    if ('refuses' in outcome) {
      expect(describeError(await rejection(result))).toEqual(outcome.refuses);
    } else if ('passesWithout' in outcome) {
      expect(await result).toBeUndefined();
    } else {
      expect(summary(await result)).toEqual({ ...outcome.passes, audience: [issuer.audience] });
    }
  });

  it('error classes match the table: MissingTokenError, InvalidTokenError, InsufficientScopeError', async () => {
    const guard = createGuard(verifierA, { scopes: ['orders:read'] });
    expect(await rejection(guard(withHeader(), {}))).toBeInstanceOf(MissingTokenError);
    expect(await rejection(guard(withHeader(await sign({}, -120)), {}))).toBeInstanceOf(InvalidTokenError);
    expect(await rejection(guard(withHeader(await sign({ scope: 'x' })), {}))).toBeInstanceOf(InsufficientScopeError);
    expect(await rejection(createGuard(verifierA, { optional: true })(withHeader('a b'), {}))).toBeInstanceOf(InvalidRequestError);
  });

  it('resolves the same token the verifier returns', async () => {
    const jwt = await sign({ scope: 'orders:read' });
    const direct = await verifierA.verify(jwt);
    // The verified-token cache hands back the same object, so the guard returns exactly it.
    expect(await createGuard(verifierA, { scopes: ['orders:read'] })(withHeader(jwt), {})).toBe(direct);
  });

  it('a request an optional pass of this very verifier found without a token is not authenticated again', async () => {
    const { verifier, calls } = counting(verifierA);
    const guard = createGuard(verifier, { scopes: ['orders:read'] });
    expect(await rejection(guard(withHeader(), { decision: { verifier, token: undefined, realm: undefined, scope: '', allowQuery: false, allowBody: false, preflight: false } }))).toBeInstanceOf(MissingTokenError);
    expect(calls).toEqual({ authenticate: 0, verify: 0 });
    // Another verifier's pass, or none, and the same guard does authenticate.
    expect(await rejection(guard(withHeader(), { decision: NO_TOKEN_BY_A() }))).toBeInstanceOf(MissingTokenError);
    expect(await rejection(guard(withHeader(), {}))).toBeInstanceOf(MissingTokenError);
    expect(calls).toEqual({ authenticate: 2, verify: 0 });
  });

  it('leaves its own decision in the state for the guards after it', async () => {
    const jwt = await sign({ scope: 'orders:read' });
    const state: GuardState = {};
    const token = await createGuard(verifierA, { realm: 'mine' })(withHeader(jwt), state);
    expect(state.decision).toEqual({ verifier: verifierA, token, realm: 'mine', scope: '', allowQuery: false, allowBody: false, preflight: false });
    const optional: GuardState = {};
    expect(await createGuard(verifierA, { optional: true })(withHeader(), optional)).toBeUndefined();
    expect(optional.decision).toEqual({ verifier: verifierA, token: undefined, realm: undefined, scope: '', allowQuery: false, allowBody: false, preflight: false });
  });

  it.each([[[] as string[]], [undefined]])('refuses an empty scope list at creation, never "no requirement" (%j)', (scopes) => {
    if (scopes === undefined) {
      expect(() => createGuard(verifierA, {})).not.toThrow();
      return;
    }
    const message = 'requireAnyScope: names no scope; an empty list would admit any token. Name at least one scope, or use requireAuth for authentication only';
    expect(() => createGuard(verifierA, { scopes, mode: 'any', name: 'requireAnyScope' })).toThrow(TollgateConfigError);
    expect(() => createGuard(verifierA, { scopes, mode: 'any', name: 'requireAnyScope' })).toThrow(message);
    expect(() => createGuard(new DefaultConfiguration('@tollgate/test'), { scopes, name: 'requireAnyScope' })).toThrow(message);
  });

  it('a copy of a verifier with its authenticate replaced is asked, even for a token the verifier has cached', async () => {
    const jwt = await sign({ scope: 'orders:read', tenant: 'b' });
    await verifierA.verify(jwt); // now a cache hit, which the verifier answers synchronously to core's guard
    let asked = 0;
    const tenantOnly: Verifier = {
      ...verifierA,
      authenticate: async (request, options) => {
        asked += 1;
        const token = await verifierA.authenticate(request, options);
        if (token && token.claims.tenant !== 'a') throw new InvalidTokenError('wrong tenant', { reason: 'invalid_claim' });
        return token;
      },
    };
    expect(describeError(await rejection(createGuard(tenantOnly)(withHeader(jwt), {}))).reason).toBe('invalid_claim');
    expect(asked).toBe(1);
    // The verifier itself answers the same request from its cache.
    expect((await createGuard(verifierA)(withHeader(jwt), {}))?.token).toBe(jwt);
  });

  it('waits for a pending outcome of any realm: with globalThis.Promise replaced (zone.js, Bluebird), and for a custom verifier returning a foreign promise', async () => {
    const fresh = await sign({ scope: 'orders:read' });
    const forged = tamperSignature(await sign({ scope: 'orders:read' }));
    const foreign = vm.runInNewContext('Promise') as PromiseConstructor;
    const custom: Verifier = {
      options: verifierA.options,
      verify: (token) => foreign.resolve(verifierA.verify(token)),
      authenticate: (request, options) => foreign.resolve(verifierA.authenticate(request, options)),
    };
    const intrinsic = globalThis.Promise;
    const verifier = createVerifier(optionsFor(issuer.audience)); // its first verification of `fresh` is a miss
    globalThis.Promise = foreign;
    try {
      expect((await createGuard(verifier, { scopes: ['orders:read'] })(withHeader(fresh), {}))?.token).toBe(fresh);
      expect(describeError(await rejection(createGuard(verifier, { scopes: ['orders:read'] })(withHeader(forged), {}))).reason).toBe('signature');
      expect((await verifier.verify(fresh)).token).toBe(fresh);
    } finally {
      globalThis.Promise = intrinsic;
    }
    expect((await createGuard(custom, { scopes: ['orders:read'] })(withHeader(fresh), {}))?.token).toBe(fresh);
    expect(describeError(await rejection(createGuard(custom, { scopes: ['orders:read'] })(withHeader(forged), {}))).reason).toBe('signature');
  });

  it('copies the scope list at creation: changing the caller\'s array later changes nothing', async () => {
    const scopes = ['orders:read'];
    const guard = createGuard(verifierA, { scopes });
    scopes.push('orders:admin');
    expect(summary(await guard(withHeader(await sign({ scope: 'orders:read' })), {}))?.scopes).toEqual(['orders:read']);
  });
});

describe('state.auth: a token an earlier middleware attached', () => {
  const decided = (verifier: Verifier, token: AccessToken | undefined, realm?: string): GuardState => ({
    auth: token,
    decision: { verifier, token, realm, scope: '', allowQuery: false, allowBody: false, preflight: false },
  });

  it('is reused without authenticating when this very verifier instance decided it in this request', async () => {
    const { verifier, calls } = counting(verifierA);
    const earlier = await verifier.verify(await sign({ scope: 'orders:read' }));
    const forged = withHeader(tamperSignature(await sign({ scope: 'orders:read' })));
    expect(await createGuard(verifier)(forged, decided(verifier, earlier))).toBe(earlier);
    expect(await createGuard(verifier, { scopes: ['orders:read'] })(forged, decided(verifier, earlier))).toBe(earlier);
    expect(calls).toEqual({ authenticate: 0, verify: 1 });
  });

  it('is checked again when a wrapper around the same verifier guards: its own rule runs (same options are not enough)', async () => {
    // A tenant rule around verifierA: same options object, another verifier instance.
    const tenantOnly: Verifier = {
      options: verifierA.options,
      verify: verifierA.verify,
      authenticate: async (request, options) => {
        const token = await verifierA.authenticate(request, options);
        if (token && token.claims.tenant !== 'a') throw new InvalidTokenError('wrong tenant', { reason: 'invalid_claim' });
        return token;
      },
    };
    const forTenantB = await sign({ scope: 'orders:read', tenant: 'b' });
    const earlier = await verifierA.verify(forTenantB);
    const error = await rejection(createGuard(tenantOnly)(withHeader(forTenantB), decided(verifierA, earlier)));
    expect(describeError(error)).toEqual({
      name: 'InvalidTokenError',
      status: 401,
      reason: 'invalid_claim',
      challenge: 'Bearer realm="api", error="invalid_token", error_description="wrong tenant"',
    });
    const forTenantA = await sign({ scope: 'orders:read', tenant: 'a' });
    expect((await createGuard(tenantOnly)(withHeader(forTenantA), decided(verifierA, await verifierA.verify(forTenantA))))?.token).toBe(forTenantA);
  });

  it('is checked again when another verifier decided it: the request decides', async () => {
    // Verified for audience B: a guard for audience A must not let it through on B's word.
    const forB = await sign({ aud: AUDIENCE_B, scope: 'orders:read' });
    const earlier = await verifierB.verify(forB);
    const { verifier, calls } = counting(verifierA);
    expect(describeError(await rejection(createGuard(verifier)(withHeader(forB), decided(verifierB, earlier))))).toEqual(
      invalidToken('audience', 'audience mismatch'),
    );
    const forged = withHeader(tamperSignature(await sign({ scope: 'orders:read' })));
    expect(describeError(await rejection(createGuard(verifier)(forged, decided(verifierB, earlier))))).toEqual(invalidToken('signature', 'invalid signature'));
    // A token valid for A too passes, verified by A.
    const forA = await sign({ scope: 'orders:read' });
    expect((await createGuard(verifier)(withHeader(forA), decided(verifierB, earlier)))?.token).toBe(forA);
    expect(calls).toEqual({ authenticate: 3, verify: 0 });
  });

  it('is checked again when nothing of tollgate decided it, or other code replaced it after the decision', async () => {
    const earlier = await verifierA.verify(await sign({ scope: 'orders:read' }));
    const { verifier, calls } = counting(verifierA);
    const forged = withHeader(tamperSignature(await sign({ scope: 'orders:read' })));
    expect(describeError(await rejection(createGuard(verifier)(forged, { auth: earlier })))).toEqual(invalidToken('signature', 'invalid signature'));
    const replaced: GuardState = { auth: earlier, decision: { verifier, token: undefined, realm: undefined, scope: '', allowQuery: false, allowBody: false, preflight: false } };
    expect(describeError(await rejection(createGuard(verifier)(forged, replaced)))).toEqual(invalidToken('signature', 'invalid signature'));
    expect(calls).toEqual({ authenticate: 2, verify: 0 });
  });

  it('is reused by a guard on the default configuration (standalone requireScope, @RequireScope) when any tollgate guard decided it and nothing is configured', async () => {
    const earlier = await verifierB.verify(await sign({ aud: AUDIENCE_B, scope: 'orders:read' }));
    const defaults = new DefaultConfiguration('@tollgate/test');
    expect(await createGuard(defaults, { scopes: ['orders:read'] })(withHeader(), decided(verifierB, earlier, 'b'))).toBe(earlier);
    // Its refusals carry the realm of the guard that decided.
    const lackingScope = await rejection(createGuard(defaults, { scopes: ['orders:write'] })(withHeader(), decided(verifierB, earlier, 'b')));
    expect(describeError(lackingScope).challenge).toBe('Bearer realm="b", error="insufficient_scope", error_description="token lacks a required scope", scope="orders:write"');
  });

  it('once configure() names a verifier, a guard on the default configuration goes only by the decisions of that verifier and checks others again, warning once', async () => {
    const earlier = await verifierB.verify(await sign({ aud: AUDIENCE_B, scope: 'orders:read' }));
    const defaults = new DefaultConfiguration('@tollgate/test');
    const { verifier, calls } = counting(verifierA);
    defaults.set(verifier, {});
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.message);
    process.on('warning', onWarning);
    try {
      const guard = createGuard(defaults, { scopes: ['orders:read'] });
      // B decided (e.g. a sub-app the request fell through): A, the configured verifier, checks the token again.
      expect(describeError(await rejection(guard(withHeader(), decided(verifierB, earlier, 'b'))))).toEqual(MISSING);
      const forB = await sign({ aud: AUDIENCE_B, scope: 'orders:read' });
      expect(describeError(await rejection(guard(withHeader(forB), decided(verifierB, earlier))))).toEqual(invalidToken('audience', 'audience mismatch'));
      expect(calls).toEqual({ authenticate: 2, verify: 0 });
      // The configured verifier's own decision is reused.
      const fromA = await verifierA.verify(await sign({ scope: 'orders:read' }));
      expect(await guard(withHeader(), decided(verifier, fromA))).toBe(fromA);
      expect(calls).toEqual({ authenticate: 2, verify: 0 });
      // A token that no tollgate guard attached is not trusted either.
      expect(describeError(await rejection(guard(withHeader(), { auth: earlier })))).toEqual(MISSING);
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.filter((message) => message.includes('configure()'))).toHaveLength(1);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it("reads configure()'s allowPreflight per request, like its transport options: the last call wins for guards made before it", async () => {
    const defaults = new DefaultConfiguration('@tollgate/test');
    const guard = createGuard(defaults, { scopes: ['orders:read'] });
    const preflight: RequestLike = { method: 'OPTIONS', headers: { origin: 'https://app.example.test', 'access-control-request-method': 'POST' } };
    defaults.set(verifierA, {});
    expect(describeError(await rejection(guard(preflight, {})))).toEqual(MISSING);
    defaults.set(verifierA, { allowPreflight: true });
    expect(await guard(preflight, {})).toBeUndefined();
    // Only a true preflight: an OPTIONS request without the CORS headers is authenticated.
    expect(describeError(await rejection(guard({ method: 'OPTIONS', headers: {} }, {})))).toEqual(MISSING);
  });

  it('a guard on the default configuration with an upstream decision but a replaced token authenticates with the upstream verifier', async () => {
    const defaults = new DefaultConfiguration('@tollgate/test');
    const { verifier: upstream, calls } = counting(verifierB);
    const replaced = await verifierA.verify(await sign({ scope: 'orders:read' }));
    const forB = await sign({ aud: AUDIENCE_B, scope: 'orders:read' });
    const token = await createGuard(defaults, { scopes: ['orders:read'] })(withHeader(forB), { auth: replaced, decision: { verifier: upstream, token: undefined, realm: undefined, scope: '', allowQuery: false, allowBody: false, preflight: false } });
    expect(token?.audience).toEqual([AUDIENCE_B]);
    expect(calls).toEqual({ authenticate: 1, verify: 0 });
  });

  it('still has its scopes checked: 403 without authenticating', async () => {
    const earlier = await verifierA.verify(await sign({ scope: 'profile' }));
    const { verifier, calls } = counting(verifierA);
    const error = await rejection(createGuard(verifier, { scopes: ['orders:read'] })(withHeader(), decided(verifier, earlier)));
    expect(describeError(error)).toEqual(lacking('orders:read'));
    expect(calls).toEqual({ authenticate: 0, verify: 0 });
  });
});

describe('the realm: the guard\'s overrides the verifier\'s on every error it throws', () => {
  let broken: TestIssuer;
  beforeAll(async () => {
    broken = await createTestIssuer({ algorithms: ['ES256'] });
    broken.setFault({ kind: 'error', status: 500 }, 'jwks');
  });
  afterAll(async () => {
    await broken.close();
  });

  /** One request per kind of error: from extraction, from verification, from the JWKS, and the guard's own. */
  async function cases(): Promise<[string, RequestLike, GuardState, string][]> {
    return [
      ['MissingTokenError (verifier.authenticate)', withHeader(), {}, 'MissingTokenError'],
      ['InvalidRequestError (extraction)', { headers: { authorization: 'Bearer a b' } }, {}, 'InvalidRequestError'],
      ['MissingTokenError (another scheme)', { headers: { authorization: 'Basic dXNlcjpwYXNz' } }, {}, 'MissingTokenError'],
      ['InvalidRequestError (query not allowed)', withQuery(await sign({ scope: 'orders:read' })), {}, 'InvalidRequestError'],
      ['InvalidTokenError (verifier.verify)', withHeader(await sign({ scope: 'orders:read' }, -120)), {}, 'InvalidTokenError'],
      ['InsufficientScopeError (guard)', withHeader(await sign({ scope: 'profile' })), {}, 'InsufficientScopeError'],
      ['MissingTokenError (guard, after an optional pass)', withHeader(), { decision: NO_TOKEN_BY_A() }, 'MissingTokenError'],
      ['JwksUnavailableError (keys)', withHeader(await broken.sign({ scope: 'orders:read' })), {}, 'JwksUnavailableError'],
    ];
  }

  /** A verifier that trusts both issuers: the JWKS of `broken` answers 500. */
  const realmVerifier = () =>
    createVerifier({
      issuer: [issuer.issuer, broken.issuer],
      audience: issuer.audience,
      allowInsecureRequests: true,
      realm: 'verifier-realm',
      jwks: { timeout: 2 },
    });

  it('with a guard realm, every error carries it and renders it', async () => {
    const guard = createGuard(realmVerifier(), { realm: 'guard-realm', scopes: ['orders:read'] });
    const seen: [string, string, string | undefined, string][] = [];
    for (const [label, request, state] of await cases()) {
      const error = await rejection(guard(request, state));
      if (!(error instanceof TollgateError)) throw error;
      seen.push([label, error.name, error.realm, error.wwwAuthenticate().split(',')[0]!]);
    }
    expect(seen).toEqual((await cases()).map(([label, , , name]) => [label, name, 'guard-realm', 'Bearer realm="guard-realm"']));
  });

  it('without one, every error carries the verifier\'s realm', async () => {
    const guard = createGuard(realmVerifier(), { scopes: ['orders:read'] });
    const seen: [string, string, string | undefined][] = [];
    for (const [label, request, state] of await cases()) {
      const error = await rejection(guard(request, state));
      if (!(error instanceof TollgateError)) throw error;
      seen.push([label, error.name, error.realm]);
    }
    expect(seen).toEqual((await cases()).map(([label, , , name]) => [label, name, 'verifier-realm']));
  });

  it('a JWKS outage is a 503 with the guard realm and Retry-After', async () => {
    const guard = createGuard(realmVerifier(), { realm: 'guard-realm' });
    const error = await rejection(guard(withHeader(await broken.sign()), {}));
    expect(error).toBeInstanceOf(JwksUnavailableError);
    expect((error as JwksUnavailableError).headers).toEqual({
      'WWW-Authenticate': 'Bearer realm="guard-realm", error="temporarily_unavailable", error_description="signing keys are temporarily unavailable"',
      'Cache-Control': 'no-store',
      'Retry-After': expect.stringMatching(/^\d+$/),
    });
  });

  it('with a DefaultConfiguration: the configured realm beats the verifier\'s, the guard\'s beats both', async () => {
    const defaults = new DefaultConfiguration('@tollgate/example');
    defaults.set(realmVerifier(), { realm: 'configured-realm' });
    const configured = await rejection(createGuard(defaults, { scopes: ['orders:read'] })(withHeader(await sign({}, -120)), {}));
    expect(describeError(configured).challenge).toBe('Bearer realm="configured-realm", error="invalid_token", error_description="token expired"');
    const own = await rejection(createGuard(defaults, { scopes: ['orders:read'], realm: 'guard-realm' })(withHeader(), {}));
    expect(describeError(own).challenge).toBe('Bearer realm="guard-realm"');
  });
});

describe('with a DefaultConfiguration as source', () => {
  const DEFAULT_HINT = 'call configure({ issuer, audience }) or use requireAuth({ issuer, audience }) before it';

  it('unconfigured: fails closed with a TollgateConfigError naming the package and saying how to configure', async () => {
    const defaults = new DefaultConfiguration('@tollgate/example');
    const guard = createGuard(defaults, { scopes: ['orders:read'] });
    for (const request of [withHeader(await sign({ scope: 'orders:read' })), withHeader()]) {
      const error = await rejection(guard(request, {}));
      expect(error).toBeInstanceOf(TollgateConfigError);
      expect(error).not.toBeInstanceOf(TollgateError);
      expect((error as Error).message).toBe(`@tollgate/example: requireScope() has no verifier: ${DEFAULT_HINT}`);
    }
    expect(() => defaults.verifier()).toThrow(`@tollgate/example: requireScope() has no verifier: ${DEFAULT_HINT}`);
  });

  it('unconfigured with a custom hint: the error uses its subject and setup text', async () => {
    const defaults = new DefaultConfiguration('@tollgate/fastify', { subject: '@RequireScope', setup: 'register the plugin first' });
    const error = await rejection(createGuard(defaults, { scopes: ['a'] })(withHeader(), {}));
    expect(error).toBeInstanceOf(TollgateConfigError);
    expect((error as Error).message).toBe('@tollgate/fastify: @RequireScope has no verifier: register the plugin first');
  });

  it('reads the configuration per request: a guard made before set() works after it', async () => {
    const defaults = new DefaultConfiguration('@tollgate/example');
    const guard = createGuard(defaults, { scopes: ['orders:read'] });
    expect(await rejection(guard(withHeader(await sign({ scope: 'orders:read' })), {}))).toBeInstanceOf(TollgateConfigError);
    defaults.set(verifierA, { realm: 'configured' });
    expect(summary(await guard(withHeader(await sign({ scope: 'orders:read' })), {}))).toEqual({
      subject: 'client-123',
      scopes: ['orders:read'],
      audience: [issuer.audience],
    });
    expect(describeError(await rejection(guard(withHeader(), {}))).challenge).toBe('Bearer realm="configured"');
  });

  it('set() is the only writer (requireAuth lends nothing module-wide); the last call wins', async () => {
    const defaults = new DefaultConfiguration('@tollgate/example');
    expect(Object.keys(Object.getPrototypeOf(defaults))).not.toContain('adopt');
    expect('adopt' in defaults).toBe(false);
    defaults.set(verifierB, {});
    defaults.set(verifierA, {});
    const guard = createGuard(defaults, { scopes: ['orders:read'] });
    expect(summary(await guard(withHeader(await sign({ scope: 'orders:read' })), {}))?.audience).toEqual([issuer.audience]);
    const forB = await rejection(guard(withHeader(await sign({ aud: AUDIENCE_B, scope: 'orders:read' })), {}));
    expect(describeError(forB)).toEqual(invalidToken('audience', 'audience mismatch'));
  });

  it('without a realm in set(), errors use the verifier\'s realm', async () => {
    const defaults = new DefaultConfiguration('@tollgate/example');
    defaults.set(createVerifier(optionsFor(issuer.audience, { realm: 'verifier-realm' })), { allowQuery: true });
    const error = await rejection(createGuard(defaults, { scopes: ['orders:read'] })(withHeader(), {}));
    expect(describeError(error).challenge).toBe('Bearer realm="verifier-realm"');
  });

  it('set() carries allowQuery and allowBody to a standalone scope guard', async () => {
    const defaults = new DefaultConfiguration('@tollgate/example');
    defaults.set(verifierA, { allowQuery: true, allowBody: true });
    const guard = createGuard(defaults, { scopes: ['orders:read'] });
    const jwt = await sign({ scope: 'orders:read' });
    expect(summary(await guard(withQuery(jwt), {}))?.scopes).toEqual(['orders:read']);
    expect(summary(await guard(withBody(jwt), {}))?.scopes).toEqual(['orders:read']);
    // A guard's own transport option still wins over the default.
    const strictGuard = createGuard(defaults, { scopes: ['orders:read'], allowQuery: false });
    expect(describeError(await rejection(strictGuard(withQuery(jwt), {}))).reason).toBe('query_token_not_allowed');
  });

  it('set() without allowQuery: a standalone scope guard refuses ?access_token= with 400', async () => {
    const defaults = new DefaultConfiguration('@tollgate/example');
    defaults.set(verifierA, {});
    const error = await rejection(createGuard(defaults, { scopes: ['orders:read'] })(withQuery(await sign({ scope: 'orders:read' })), {}));
    expect(describeError(error).reason).toBe('query_token_not_allowed');
  });

  it('optional is never inherited: set(verifier, { optional: true }) does not let a request without a token through', async () => {
    const defaults = new DefaultConfiguration('@tollgate/example');
    defaults.set(verifierA, { optional: true });
    expect(defaults.guardOptions).toStrictEqual({ optional: true });
    for (const rules of [{ scopes: ['orders:read'] }, { scopes: ['a', 'b'], mode: 'any' as const }, {}]) {
      const error = await rejection(createGuard(defaults, rules)(withHeader(), {}));
      expect(describeError(error)).toEqual(MISSING);
    }
  });
});

describe('invalid scope names fail at creation', () => {
  const reason = 'is not a valid scope (RFC 6749 section 3.3: printable ASCII, no spaces, quotes or backslashes)';

  it.each(['orders read', 'x"y', 'back\\slash', '', 'caf\u00e9', 'tab\there'])('%j: a TollgateConfigError naming the guard', (scope) => {
    let thrown: unknown;
    try {
      createGuard(verifierA, { scopes: ['orders:read', scope], name: '@RequireScope' });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(TollgateConfigError);
    expect((thrown as Error).message).toBe(`@RequireScope: ${JSON.stringify(scope)} ${reason}`);
  });

  it('the name defaults to requireScope, and an unconfigured source does not hide the error', () => {
    expect(() => createGuard(verifierA, { scopes: ['a b'] })).toThrow(`requireScope: "a b" ${reason}`);
    const defaults = new DefaultConfiguration('@tollgate/example');
    expect(() => createGuard(defaults, { scopes: ['a b'], name: 'requireAnyScope' })).toThrow(TollgateConfigError);
    expect(() => createGuard(defaults, { scopes: ['a b'], name: 'requireAnyScope' })).toThrow(`requireAnyScope: "a b" ${reason}`);
  });
});
