// The introspection result cache and its store interface: TTLs (min of exp and maxAge; a short negative window),
// digests for keys, a failing, slow or lying store degrading to "not cached", a shared store, and the bounds
// on requests (in flight at once, none during the cooldown after a failure).
import type { IncomingMessage } from 'node:http';
import { createTestIssuer, type TestIssuer } from '@tollgate/testing';
import { createHash } from 'node:crypto';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createMemoryIntrospectionCache,
  createVerifier,
  INTROSPECTION_CHANNEL,
  type IntrospectionCache,
  type IntrospectionCacheEntry,
  type IntrospectionCacheOptions,
  type IntrospectionEvent,
  type IntrospectionOptions,
} from '../src/index.js';
import { startServer, type LocalServer } from './support/jwks-support.js';

const API = 'https://api.example.test';
let issuer: TestIssuer;
let endpoint: LocalServer;
let asked: string[] = [];
let delayMs = 0;

const body = async (req: IncomingMessage): Promise<URLSearchParams> => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
};

beforeAll(async () => {
  issuer = await createTestIssuer({ algorithms: ['ES256'], audience: API });
  endpoint = await startServer((req, res) => {
    void body(req).then(async (form) => {
      const token = form.get('token') ?? '';
      asked.push(token);
      if (delayMs) await new Promise((resolve) => setTimeout(resolve, delayMs));
      if (token.startsWith('fail')) return res.writeHead(500).end();
      if (token.startsWith('toolong')) return res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"invalid_request"}');
      if (token.startsWith('huge')) return res.writeHead(413).end();
      if (token.startsWith('busy')) return res.writeHead(429, { 'retry-after': '1' }).end();
      const exp = Math.floor(Date.now() / 1000) + (token.startsWith('short') ? 20 : 600);
      const answer = token.startsWith('inactive') ? { active: false } : { active: true, iss: issuer.issuer, aud: API, exp, client_id: 'c', scope: 'orders:read' };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
    });
  });
});
afterAll(async () => {
  await Promise.all([issuer.close(), endpoint.close()]);
});
beforeEach(() => {
  asked = [];
  delayMs = 0;
});

const verifierWith = (introspection: Partial<IntrospectionOptions> = {}, now?: () => number) =>
  createVerifier({
    issuer: issuer.issuer,
    audience: API,
    allowInsecureRequests: true,
    ...(now ? { now } : {}),
    introspection: { endpoint: `${endpoint.origin}/introspect`, clientId: 'api', clientSecret: 's', ...introspection },
  });

/** A store that records what it is given, backed by a Map. */
function recordingStore() {
  const entries = new Map<string, IntrospectionCacheEntry>();
  const sets: Array<{ key: string; entry: IntrospectionCacheEntry; ttl: number }> = [];
  const store: IntrospectionCache = {
    get: async (key) => entries.get(key),
    set: async (key, entry, ttl) => {
      sets.push({ key, entry, ttl });
      entries.set(key, entry);
    },
  };
  return { store, sets, entries };
}

async function eventsOf(run: () => Promise<unknown>): Promise<IntrospectionEvent[]> {
  const events: IntrospectionEvent[] = [];
  const listener = (event: unknown) => events.push(event as IntrospectionEvent);
  subscribe(INTROSPECTION_CHANNEL, listener);
  try {
    await run();
  } finally {
    unsubscribe(INTROSPECTION_CHANNEL, listener);
  }
  return events;
}

const withStore = (store: IntrospectionCache, extra: IntrospectionCacheOptions = {}) => ({ cache: { store, ...extra } });

describe('introspection cache entries', () => {
  it('an active result lives until the earlier of exp and maxAge; an inactive one for negativeMaxAge; keys are SHA-256 digests', async () => {
    const { store, sets } = recordingStore();
    const verifier = verifierWith({ cache: { store, maxAge: '60s', negativeMaxAge: '3s' } });
    await verifier.verify('short-lived');
    await verifier.verify('long-lived');
    await verifier.verify('inactive-1').catch(() => undefined);
    expect(sets.map(({ ttl }) => ttl)).toEqual([expect.any(Number), 60, 3]);
    expect(sets[0]!.ttl).toBeGreaterThanOrEqual(18);
    expect(sets[0]!.ttl).toBeLessThanOrEqual(20);
    expect(sets[0]!.key).toMatch(/^[\w-]{43}$/);
    expect(sets[0]!.key).not.toBe(createHash('sha256').update('short-lived').digest('base64url'));
    expect(JSON.stringify(sets)).not.toContain('long-lived');
    expect(sets[2]!.entry).toEqual({ active: false });
  });

  it('a cached result answers without a request, inactive ones included', async () => {
    const verifier = verifierWith();
    await verifier.verify('long-a');
    await verifier.verify('long-a');
    await expect(verifier.verify('inactive-a')).rejects.toMatchObject({ status: 401, reason: 'inactive' });
    await expect(verifier.verify('inactive-a')).rejects.toMatchObject({ status: 401, reason: 'inactive' });
    expect(asked).toEqual(['long-a', 'inactive-a']);
  });

  it('the default store: a token accepted is reused until maxAge has passed since the endpoint answered, then asked again', async () => {
    let shift = 0;
    const verifier = verifierWith({ cache: { maxAge: '30s' } }, () => Date.now() + shift);
    const first = await verifier.verify('long-m');
    shift = 29_000;
    expect(await verifier.verify('long-m')).toBe(first);
    expect(asked).toEqual(['long-m']);
    shift = 30_500;
    expect((await verifier.verify('long-m')).clientId).toBe('c');
    expect(asked).toEqual(['long-m', 'long-m']);
  });

  it('a store of your own is read at every use: deleting an entry there makes the next use ask the endpoint (revocation at once)', async () => {
    const { store, entries } = recordingStore();
    const verifier = verifierWith(withStore(store, { maxAge: '1h' }));
    await verifier.verify('long-n');
    await verifier.verify('long-n');
    expect(asked).toEqual(['long-n']);
    entries.clear();
    await verifier.verify('long-n');
    expect(asked).toEqual(['long-n', 'long-n']);
  });

  it('cache: false asks the endpoint every time', async () => {
    const verifier = verifierWith({ cache: false });
    await verifier.verify('long-b');
    await verifier.verify('long-b');
    expect(asked).toEqual(['long-b', 'long-b']);
  });

  it('a cached active result is checked again at each use: it stops at exp even within maxAge', async () => {
    let shift = 0;
    const verifier = verifierWith({ cache: { maxAge: '1d' } }, () => Date.now() + shift);
    await verifier.verify('long-c');
    shift = 601_000 + 5_000;
    await expect(verifier.verify('long-c')).rejects.toMatchObject({ status: 401, reason: 'expired' });
  });

  it('the in-memory store is bounded: the oldest entries go first', async () => {
    const store = createMemoryIntrospectionCache(2);
    store.set('a', { active: false }, 60);
    store.set('b', { active: false }, 60);
    store.set('c', { active: false }, 60);
    expect([store.get('a'), store.get('b'), store.get('c')]).toEqual([undefined, { active: false }, { active: false }]);
  });
});

describe('a store that fails, hangs or lies degrades to no cache, never to a pass', () => {
  it('a store that throws on get and rejects on set: every request asks the endpoint, and events say the store failed', async () => {
    const store: IntrospectionCache = {
      get: () => {
        throw new Error('connection refused');
      },
      set: () => Promise.reject(new Error('connection refused')),
    };
    const verifier = verifierWith(withStore(store));
    const events = await eventsOf(async () => {
      expect((await verifier.verify('long-d')).verifiedBy).toBe('introspection');
      await expect(verifier.verify('inactive-d')).rejects.toMatchObject({ status: 401 });
      await verifier.verify('long-d');
      await new Promise((resolve) => setImmediate(resolve));
    });
    expect(asked).toEqual(['long-d', 'inactive-d', 'long-d']);
    expect(events.every((event) => event.problem === 'cache')).toBe(true);
    expect(events.map((event) => event.error)).toContain('introspection cache store get failed: connection refused');
  });

  it('a store whose get never answers is a miss after storeTimeout', async () => {
    const store: IntrospectionCache = { get: () => new Promise(() => {}), set: () => {} };
    const verifier = verifierWith(withStore(store, { storeTimeout: '0.2s' }));
    const started = Date.now();
    expect((await verifier.verify('long-e')).clientId).toBe('c');
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(asked).toEqual(['long-e']);
  });

  it.each([
    ['active as a string', { active: 'true', claims: {} }],
    ['active without claims', { active: true }],
    ['claims as an array', { active: true, claims: [] }],
    ['a string', 'active'],
  ])('a stored value that is not an entry (%s) is a miss', async (_name, value) => {
    const store: IntrospectionCache = { get: () => value as unknown as IntrospectionCacheEntry, set: () => {} };
    await verifierWith(withStore(store)).verify('long-f');
    expect(asked).toEqual(['long-f']);
  });

  it('an entry planted in a shared store is held to the claim rules: another audience is refused', async () => {
    const planted: IntrospectionCacheEntry = { active: true, claims: { active: true, iss: issuer.issuer, aud: 'https://other.example.test', exp: Math.floor(Date.now() / 1000) + 60 } };
    const store: IntrospectionCache = { get: () => planted, set: () => {} };
    await expect(verifierWith(withStore(store)).verify('long-g')).rejects.toMatchObject({ status: 401, reason: 'audience' });
    expect(asked).toEqual([]);
  });

  it('two verifiers sharing a store: the second one asks nothing', async () => {
    const { store } = recordingStore();
    await verifierWith(withStore(store)).verify('long-h');
    expect((await verifierWith(withStore(store)).verify('long-h')).clientId).toBe('c');
    expect(asked).toEqual(['long-h']);
  });

  it('verifiers for another client id, endpoint or response format never read each other\'s entries from a shared store', async () => {
    const { store, sets } = recordingStore();
    await verifierWith(withStore(store)).verify('long-j');
    await verifierWith({ ...withStore(store), clientId: 'other-api' }).verify('long-j');
    await verifierWith({ ...withStore(store), endpoint: `${endpoint.origin}/introspect?v=2` }).verify('long-j');
    expect(asked).toEqual(['long-j', 'long-j', 'long-j']);
    expect(new Set(sets.map(({ key }) => key)).size).toBe(3);
  });
});

describe('bounds on introspection requests', () => {
  it('distinct tokens beyond maxConcurrent in flight are a 503 with Retry-After: 1, without a request', async () => {
    delayMs = 300;
    const verifier = verifierWith({ maxConcurrent: 2, cache: false });
    const outcomes = await Promise.allSettled(['long-1', 'long-2', 'long-3'].map((token) => verifier.verify(token)));
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    expect((outcomes[2] as PromiseRejectedResult).reason).toMatchObject({ status: 503, retryAfter: 1 });
    expect(asked.sort()).toEqual(['long-1', 'long-2']);
  });

  it('after the endpoint failed, no request is sent until the cooldown has passed', async () => {
    let shift = 0;
    const verifier = verifierWith({ cooldown: '10s' }, () => Date.now() + shift);
    await expect(verifier.verify('fail-1')).rejects.toMatchObject({ status: 503, retryAfter: 10 });
    shift = 4_000;
    await expect(verifier.verify('long-i')).rejects.toMatchObject({ status: 503, reason: 'introspection_unavailable' });
    expect(asked).toEqual(['fail-1']);
    shift = 10_500;
    expect((await verifier.verify('long-i')).clientId).toBe('c');
    expect(asked).toEqual(['fail-1', 'long-i']);
  });
});

describe("the verifier's claim rules", () => {
  it('hold for introspected tokens as for JWTs: a declarative rule and a validator, on every use', async () => {
    let revoked = false;
    const verifier = createVerifier({
      issuer: issuer.issuer,
      audience: API,
      allowInsecureRequests: true,
      claims: [{ client_id: 'c' }, () => !revoked],
      introspection: { endpoint: `${endpoint.origin}/introspect`, clientId: 'api', clientSecret: 's' },
    });
    expect((await verifier.verify('long-claims')).clientId).toBe('c');
    revoked = true;
    await expect(verifier.verify('long-claims')).rejects.toMatchObject({ status: 401, reason: 'claim_rule' });
    const tenantOnly = createVerifier({
      issuer: issuer.issuer,
      audience: API,
      allowInsecureRequests: true,
      claims: { client_id: 'another' },
      introspection: { endpoint: `${endpoint.origin}/introspect`, clientId: 'api', clientSecret: 's' },
    });
    await expect(tenantOnly.verify('long-claims-2')).rejects.toMatchObject({ status: 401, reason: 'claim_rule' });
  });
});

describe('what one token cannot do to the others', () => {
  it('a token the endpoint will not take (400, 413) is not active (401) and opens no cooldown: the next token is asked at once', async () => {
    const verifier = verifierWith({ cache: false });
    await expect(verifier.verify('toolong-1')).rejects.toMatchObject({ status: 401, reason: 'inactive' });
    await expect(verifier.verify('huge-1')).rejects.toMatchObject({ status: 401, reason: 'inactive' });
    expect((await verifier.verify('long-after-400')).clientId).toBe('c');
    expect(asked).toEqual(['toolong-1', 'huge-1', 'long-after-400']);
  });

  it('a 429 refuses that request (503) and leaves the others going', async () => {
    const verifier = verifierWith({ cache: false });
    await expect(verifier.verify('busy-1')).rejects.toMatchObject({ status: 503 });
    expect((await verifier.verify('long-after-429')).clientId).toBe('c');
  });

  it('sends at most maxPerSecond requests a second for tokens not cached; each past it is a 503 alone', async () => {
    let now = Date.now();
    const verifier = verifierWith({ maxPerSecond: 3 }, () => now);
    const outcomes = await Promise.allSettled(['long-r1', 'long-r2', 'long-r3', 'long-r4', 'long-r5'].map((token) => verifier.verify(token)));
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'rejected']);
    expect(asked).toHaveLength(3);
    // Cached tokens cost nothing from the budget; a second later it has refilled.
    await verifier.verify('long-r1');
    now += 1000;
    expect((await verifier.verify('long-r4')).clientId).toBe('c');
    expect(asked).toHaveLength(4);
  });
});
