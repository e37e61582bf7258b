// Multi-tenant issuers over real HTTP: several test issuers behind one origin (one per tenant), an issuer
// pattern or function deciding trust before any fetch, key sets made per tenant, bounded and rationed.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createVerifier, InvalidTokenError, JwksUnavailableError, type VerifierOptions } from '../src/index.js';
import { DynamicKeySets } from '../src/lib/issuer-key-sets.js';
import { IssuerTrust } from '../src/lib/issuer-trust.js';
import type { RemoteJwks } from '../src/lib/remote-jwks.js';
import { fakeClock, rejectionOf } from './support/jwks-support.js';
import { startTenantIssuers, type TenantIssuers } from './support/tenant-issuers.js';

const AUDIENCE = 'https://api.example.test';
const NAMES = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta'];
let tenants: TenantIssuers;
let t: TenantIssuers['tenants'];

beforeAll(async () => {
  tenants = await startTenantIssuers(NAMES);
  t = tenants.tenants;
});
afterAll(() => tenants.close());
beforeEach(() => tenants.resetRequests());

const options = (extra: Partial<VerifierOptions> = {}): VerifierOptions => ({
  issuer: { pattern: tenants.pattern, tenants: '*' },
  audience: AUDIENCE,
  allowInsecureRequests: true,
  ...extra,
});

/** A token with these claims and a signature nobody made: enough for refusals decided before any key. */
function unsigned(claims: Record<string, unknown>): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'RS256', kid: 'k', typ: 'at+jwt' })}.${part({ aud: AUDIENCE, exp: Math.floor(Date.now() / 1000) + 300, ...claims })}.c2ln`;
}

async function refusal(promise: Promise<unknown>): Promise<InvalidTokenError | JwksUnavailableError> {
  const error = await rejectionOf(promise);
  if (error instanceof InvalidTokenError || error instanceof JwksUnavailableError) return error;
  throw error;
}

describe('issuer pattern: trust is decided before any fetch', () => {
  it('accepts each tenant with its own keys, fetched from its own issuer', async () => {
    const verifier = createVerifier(options({ issuer: { pattern: tenants.pattern, tenants: ['alpha', 'beta'] } }));
    expect((await verifier.verify(await t.alpha!.sign())).issuer).toBe(t.alpha!.issuer);
    expect((await verifier.verify(await t.beta!.sign())).issuer).toBe(t.beta!.issuer);
    expect([t.alpha!.server.requests.jwks, t.beta!.server.requests.jwks]).toEqual([1, 1]);
  });

  it('refuses a tenant outside the allow-list with 401 and makes no request at all', async () => {
    const verifier = createVerifier(options({ issuer: { pattern: tenants.pattern, tenants: ['alpha'] } }));
    const error = await refusal(verifier.verify(await t.gamma!.sign()));
    expect([error.status, error.reason, error.description]).toEqual([401, 'issuer', 'issuer mismatch']);
    expect(tenants.requests).toEqual([]);
    expect(tenants.upstreamRequests()).toBe(0);
  });

  it("never verifies one tenant's token with another tenant's keys", async () => {
    const verifier = createVerifier(options());
    await verifier.verify(await t.alpha!.sign());
    // Signed by alpha's key, naming beta: beta's key set is asked (and lacks the kid), never alpha's.
    const error = await refusal(verifier.verify(await t.alpha!.server.sign({ iss: t.beta!.issuer })));
    expect([error.status, error.reason]).toEqual([401, 'unknown_key']);
    expect(t.beta!.server.requests.jwks).toBeGreaterThan(0);
  });

  it('refuses every iss that would reach another host or path, without a request', async () => {
    const verifier = createVerifier(options());
    const { origin } = tenants;
    const port = new URL(origin).port;
    const hostile = [
      `${origin}/alpha/`,
      `${origin}/alpha/..`,
      `${origin}/alpha/../beta`,
      `${origin}/al%70ha`,
      `${origin}/a.b`,
      `${origin}/alpha?x=1`,
      `${origin}/alpha#x`,
      `${origin}/alpha@evil.example`,
      `${origin}\\alpha`,
      `${origin}/ａlpha`,
      `http://evil@127.0.0.1:${port}/alpha`,
      `http://127.0.0.1.:${port}/alpha`,
      `HTTP://127.0.0.1:${port}/alpha`,
      `http://localhost:${port}/alpha`,
      `http://127.0.0.1:${Number(port) + 1}/alpha`,
      `https://127.0.0.1:${port}/alpha`,
      `${origin}/${'a'.repeat(65)}`,
      `${origin}/alpha/extra`,
    ];
    for (const iss of hostile) {
      const error = await refusal(verifier.verify(unsigned({ iss })));
      expect([error.status, error.reason], iss).toEqual([401, 'issuer']);
    }
    for (const iss of [42, ['x'], { a: 1 }, null]) {
      const error = await refusal(verifier.verify(unsigned({ iss })));
      expect(error.status).toBe(401);
    }
    expect(tenants.requests).toEqual([]);
    expect(tenants.upstreamRequests()).toBe(0);
  });

  it('a flood of tokens naming random issuers costs no fetch', async () => {
    const verifier = createVerifier(options({ issuer: { pattern: tenants.pattern, tenants: ['alpha'] } }));
    const floods = Array.from({ length: 2000 }, (_, i) =>
      verifier.verify(unsigned({ iss: i % 2 ? `https://evil-${i}.example/` : `${tenants.origin}/random${i}` })).catch((error: unknown) => error),
    );
    for (const error of await Promise.all(floods)) expect((error as InvalidTokenError).reason).toBe('issuer');
    expect(tenants.requests).toEqual([]);
  });

  it('a {tenant} jwksUri template skips discovery, one key set per tenant', async () => {
    const verifier = createVerifier(options({ jwksUri: `${tenants.origin}/{tenant}/.well-known/jwks.json` }));
    await verifier.verify(await t.alpha!.sign());
    await verifier.verify(await t.beta!.sign());
    expect([t.alpha!.server.requests.discovery, t.alpha!.server.requests.jwks, t.beta!.server.requests.jwks]).toEqual([0, 1, 1]);
  });

  it('one jwksUri shared by every tenant (the Entra common keys): one key set, the iss still binds each token', async () => {
    const verifier = createVerifier(options({ jwksUri: t.alpha!.server.jwksUri, newIssuersPerMinute: 1 }));
    // alpha's key signs for every tenant here, by configuration; none is rationed, since none fetches anew.
    for (const name of ['alpha', 'beta', 'gamma']) {
      expect((await verifier.verify(await t.alpha!.server.sign({ iss: t[name]!.issuer }))).issuer).toBe(t[name]!.issuer);
    }
    expect(t.alpha!.server.requests.jwks).toBe(1);
    expect(tenants.requests).toEqual([]);
  });
});

describe('issuer pattern: bounded key sets', () => {
  it('rations new key sets: past newIssuersPerMinute a new tenant gets 503 with Retry-After, and nothing is fetched', async () => {
    const clock = fakeClock();
    const verifier = createVerifier(options({ newIssuersPerMinute: 3, now: clock.now }));
    const names = Array.from({ length: 20 }, (_, i) => `nobody${i}`);
    const outcomes = [];
    for (const name of names) outcomes.push(await refusal(verifier.verify(unsigned({ iss: `${tenants.origin}/${name}` }))));
    // Three tenants were tried (discovery: two well-known URLs each, both 404); the rest were turned away.
    expect(new Set(tenants.requests.map((path) => /nobody\d+/.exec(path)?.[0])).size).toBe(3);
    expect(tenants.requests).toHaveLength(6);
    const rationed = outcomes.slice(3);
    for (const error of rationed) {
      expect(error).toBeInstanceOf(JwksUnavailableError);
      expect((error as JwksUnavailableError).retryAfter).toBe(20);
    }
    // A minute later, three more.
    clock.advance(60);
    for (const name of names.slice(3, 8)) await refusal(verifier.verify(unsigned({ iss: `${tenants.origin}/${name}` })));
    expect(tenants.requests).toHaveLength(12);
  });

  it('evicts the least recently used key set past maxIssuers and makes it again on its next token', async () => {
    const clock = fakeClock();
    // Four places: one for key sets that verified nothing yet, three for the others.
    const verifier = createVerifier(options({ maxIssuers: 4, now: clock.now }));
    const sign = (name: string) => t[name]!.server.sign({ iss: t[name]!.issuer }, { now: clock.seconds() });
    const first = await sign('alpha');
    for (const name of ['alpha', 'beta', 'gamma', 'delta']) await verifier.verify(name === 'alpha' ? first : await sign(name));
    expect(t.alpha!.server.requests.jwks).toBe(1);
    // alpha was least recently used when delta proved itself: its key set (and its cached token) went.
    expect((await verifier.verify(first)).issuer).toBe(t.alpha!.issuer);
    expect(t.alpha!.server.requests.jwks).toBe(2);
    // beta went in turn; gamma and delta are still held.
    await verifier.verify(await sign('gamma'));
    await verifier.verify(await sign('delta'));
    expect([t.gamma!.server.requests.jwks, t.delta!.server.requests.jwks]).toEqual([1, 1]);
  });

  it('a cached token of an evicted tenant is decided again with the new key set, never by an equal generation number', async () => {
    const clock = fakeClock();
    const verifier = createVerifier(options({ maxIssuers: 2, now: clock.now }));
    const epsilon = t.epsilon!;
    const old = await epsilon.server.sign({ iss: epsilon.issuer }, { now: clock.seconds() });
    await verifier.verify(old);
    // epsilon's key set is evicted (beta proves itself), then epsilon rotates: the old key is gone.
    await verifier.verify(await t.beta!.sign());
    const retired = epsilon.server.keys[0]!.kid;
    const next = await epsilon.server.rotate();
    epsilon.server.retire(retired);
    try {
      // The new key set holds only the new key; the old token is not served from the cache.
      await verifier.verify(await epsilon.server.sign({ iss: epsilon.issuer }, { kid: next.kid, now: clock.seconds() }));
      const error = await refusal(verifier.verify(old));
      expect([error.status, error.reason]).toEqual([401, 'unknown_key']);
    } finally {
      epsilon.server.publish(retired);
      epsilon.server.retire(next.kid);
    }
  });

  it('tokens this API refuses (another audience, expired) do not count as keys in use: they cannot push out tenants in use', async () => {
    const clock = fakeClock();
    const verifier = createVerifier(options({ maxIssuers: 4, newIssuersPerMinute: 100, now: clock.now }));
    for (const name of ['alpha', 'beta', 'gamma']) await verifier.verify(await t[name]!.sign());
    // Correctly signed by tenants that are not in use here, but refused: wrong audience, or expired.
    expect(await refusal(verifier.verify(await t.delta!.sign({ aud: 'https://other.example' })))).toMatchObject({ reason: 'audience' });
    expect(await refusal(verifier.verify(await t.epsilon!.sign({ exp: clock.seconds() - 600 })))).toMatchObject({ reason: 'expired' });
    expect(await refusal(verifier.verify(await t.zeta!.sign({ aud: 'https://other.example' })))).toMatchObject({ reason: 'audience' });
    for (const name of ['alpha', 'beta', 'gamma']) await verifier.verify(await t[name]!.sign());
    expect(['alpha', 'beta', 'gamma'].map((name) => t[name]!.server.requests.jwks)).toEqual([1, 1, 1]);
  });

  it('tenants an attacker can only name never push out the key sets in use', async () => {
    const clock = fakeClock();
    const verifier = createVerifier(options({ maxIssuers: 4, newIssuersPerMinute: 100, now: clock.now }));
    for (const name of ['alpha', 'beta', 'gamma']) await verifier.verify(await t[name]!.sign());
    for (let i = 0; i < 40; i += 1) await refusal(verifier.verify(unsigned({ iss: `${tenants.origin}/nobody${i}` })));
    for (const name of ['alpha', 'beta', 'gamma']) await verifier.verify(await t[name]!.sign());
    expect(['alpha', 'beta', 'gamma'].map((name) => t[name]!.server.requests.jwks)).toEqual([1, 1, 1]);
  });
});

describe('issuer function', () => {
  it('is asked once per issuer with the iss and a signal, no this; its answer is reused for 60 s, then asked again', async () => {
    const clock = fakeClock();
    const calls: unknown[][] = [];
    let trusted = true;
    const verifier = createVerifier(
      options({
        issuer: function (this: unknown, ...args: unknown[]) {
          calls.push([this, ...args]);
          return args[0] === t.alpha!.issuer && trusted;
        },
        now: clock.now,
      }),
    );
    const token = await t.alpha!.server.sign({ iss: t.alpha!.issuer }, { now: clock.seconds(), expiresIn: 3600 });
    await Promise.all(Array.from({ length: 10 }, () => verifier.verify(token)));
    await verifier.verify(await t.alpha!.server.sign({ iss: t.alpha!.issuer }, { now: clock.seconds() }));
    expect(calls).toEqual([[undefined, t.alpha!.issuer, { signal: expect.any(AbortSignal) }]]);
    expect(await refusal(verifier.verify(await t.beta!.sign()))).toMatchObject({ status: 401, reason: 'issuer' });
    expect(await refusal(verifier.verify(await t.beta!.sign()))).toMatchObject({ status: 401, reason: 'issuer' });
    expect(calls).toHaveLength(2);
    expect(t.beta!.server.requests.total).toBe(0);
    // Trust withdrawn: a minute later even the cached token is refused.
    trusted = false;
    clock.advance(61);
    expect(await refusal(verifier.verify(token))).toMatchObject({ status: 401, reason: 'issuer' });
    expect(calls).toHaveLength(3);
  });

  it.each<[string, (iss: string) => unknown]>([
    ['throws', () => {
      throw new Error('tenant lookup failed');
    }],
    ['rejects', async () => Promise.reject(new Error('tenant lookup failed'))],
    ['returns undefined (a forgotten return)', () => undefined],
    ["returns 'yes'", () => 'yes'],
    ['returns 1', () => 1],
    ['returns null', () => null],
    ['returns an object', () => ({ trusted: true })],
    ["resolves to 'true'", async () => 'true'],
    ['returns a thenable that throws', () => ({ then: () => { throw new Error('x'); } })],
  ])('a function that %s refuses the token (401), never a pass, and nothing is fetched', async (_name, decide) => {
    const verifier = createVerifier(options({ issuer: decide as (iss: string) => boolean }));
    const error = await refusal(verifier.verify(await t.alpha!.sign()));
    expect([error.status, error.reason, error.description]).toEqual([401, 'issuer', 'issuer mismatch']);
    expect(JSON.stringify(error.toJSON())).not.toContain('tenant lookup');
    expect(tenants.upstreamRequests()).toBe(0);
  });

  it('a function that fails to answer (its store down) refuses the request but keeps the key sets in use; only false withdraws one', async () => {
    const clock = fakeClock();
    let store: 'up' | 'down' | 'withdrawn' = 'up';
    const verifier = createVerifier(
      options({
        issuer: () => {
          if (store === 'down') throw new Error('customer store unreachable');
          return store === 'up';
        },
        now: clock.now,
      }),
    );
    const tokens = await Promise.all(['alpha', 'beta'].map((name) => t[name]!.server.sign({ iss: t[name]!.issuer }, { now: clock.seconds(), expiresIn: 3600 })));
    for (const token of tokens) await verifier.verify(token);
    store = 'down';
    clock.advance(61);
    for (const token of tokens) expect(await refusal(verifier.verify(token))).toMatchObject({ status: 401, reason: 'issuer' });
    store = 'up';
    for (const token of tokens) await verifier.verify(token);
    expect([t.alpha!.server.requests.jwks, t.beta!.server.requests.jwks]).toEqual([1, 1]);
    store = 'withdrawn';
    clock.advance(61);
    expect(await refusal(verifier.verify(tokens[0]!))).toMatchObject({ status: 401, reason: 'issuer' });
    clock.advance(61);
    store = 'up';
    await verifier.verify(tokens[0]!);
    expect(t.alpha!.server.requests.jwks).toBe(2);
  });

  it('a clock stepped back neither blocks new tenants nor extends trust the function withdrew', async () => {
    const clock = fakeClock();
    let trusted = true;
    const verifier = createVerifier(options({ issuer: () => trusted, newIssuersPerMinute: 2, now: clock.now }));
    const token = await t.alpha!.server.sign({ iss: t.alpha!.issuer }, { now: clock.seconds() - 3600, expiresIn: 7200 });
    await verifier.verify(token);
    clock.advance(-1800);
    trusted = false;
    // Decided in what is now the future: asked again, so the withdrawal counts at once.
    expect(await refusal(verifier.verify(token))).toMatchObject({ status: 401, reason: 'issuer' });
    trusted = true;
    clock.advance(61);
    await verifier.verify(await t.beta!.server.sign({ iss: t.beta!.issuer }, { now: clock.seconds() }));
    expect(t.beta!.server.requests.jwks).toBe(1);
  });

  it('the function gets a signal, aborted when tollgate stops waiting for it', async () => {
    let seen: AbortSignal | undefined;
    const verifier = createVerifier(
      options({
        issuer: (_iss, { signal }) => {
          seen = signal;
          return new Promise<boolean>(() => {});
        },
        jwks: { timeout: 0.2 },
      }),
    );
    expect(await refusal(verifier.verify(await t.alpha!.sign()))).toMatchObject({ status: 503 });
    expect(seen?.aborted).toBe(true);
    expect(String((seen?.reason as Error).message)).toContain('did not answer within 0.2 s');
  });

  it('a function that does not answer within jwks.timeout is a 503 with Retry-After; nothing is fetched', async () => {
    const verifier = createVerifier(options({ issuer: () => new Promise<boolean>(() => {}), jwks: { timeout: 0.2, cooldown: 7 } }));
    const error = await refusal(verifier.verify(await t.alpha!.sign()));
    expect(error).toBeInstanceOf(JwksUnavailableError);
    expect([error.status, (error as JwksUnavailableError).retryAfter]).toEqual([503, 7]);
    expect(tenants.upstreamRequests()).toBe(0);
  });

  it('is never shown an iss that is not an acceptable issuer URL', async () => {
    const seen: string[] = [];
    const verifier = createVerifier(options({ issuer: (iss) => (seen.push(iss), true) }));
    for (const iss of ['alpha', `${tenants.origin}/alpha?x`, `http://u@127.0.0.1/`, 'https://Evil.example/', 'ftp://a.example/', 42, `${tenants.origin}/%61`, `${tenants.origin}/a%2F..%2Fb`]) {
      expect(await refusal(verifier.verify(unsigned({ iss })))).toMatchObject({ status: 401 });
    }
    expect(seen).toEqual([]);
  });

  it('a jwksUri map gives an issuer its own URL; the others are discovered', async () => {
    const verifier = createVerifier(options({ issuer: () => true, jwksUri: { [t.alpha!.issuer]: t.alpha!.server.jwksUri } }));
    await verifier.verify(await t.alpha!.sign());
    await verifier.verify(await t.beta!.sign());
    expect([t.alpha!.server.requests.discovery, t.beta!.server.requests.discovery]).toEqual([0, 1]);
  });

});

describe('memory stays bounded whatever issuers tokens name', () => {
  const settings = { allowInsecure: false as const, timeout: 1, retryAfter: 30, maxRemembered: 5, realm: 'api', now: Date.now };

  it('the refusals of a function: at most maxIssuers remembered', async () => {
    const trust = new IssuerTrust({ ...settings, rule: { kind: 'function', decide: () => false } });
    for (let i = 0; i < 500; i += 1) await rejectionOf(Promise.resolve().then(() => trust.decide(`https://t${i}.example/`)));
    expect(trust.remembered).toBe(5);
  });

  it('key sets: at most maxIssuers, however many trusted issuers are named', async () => {
    let made = 0;
    const keySets = new DynamicKeySets({
      trust: new IssuerTrust({ ...settings, rule: { kind: 'function', decide: () => true } }),
      shared: () => undefined,
      create: () => ((made += 1), {} as RemoteJwks),
      maxEntries: 8,
      perMinute: 1000,
      realm: 'api',
      now: Date.now,
    });
    for (let i = 0; i < 500; i += 1) {
      await keySets.resolve(`https://t${i}.example/`);
      // Half of them verify a token: both kinds of places fill up, and stay within their share.
      if (i % 2) keySets.proven(`https://t${i}.example/`);
    }
    expect(made).toBe(500);
    expect(keySets.size).toBeLessThanOrEqual(8);
    expect(keySets.size).toBeGreaterThanOrEqual(6);
  });
});
