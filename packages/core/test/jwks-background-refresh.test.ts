// Keys past cacheMaxAge are refreshed in the background (stale-while-revalidate, bounded by staleIfError):
// a request that has its key never waits on the JWKS endpoint, cached tokens included; only a request
// that needs a key not in hand waits. Real HTTP; the verifier's clock is injected, the request timeout
// runs on real time.
import crypto from 'node:crypto';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TestIssuer } from '@tollgate/testing';
import { createVerifier, JWKS_CHANNEL, type AccessToken, type JwksEvent, type JwksOptions, type Verifier } from '../src/index.js';
import { expectOutcome, invalidToken, unavailable, VERIFIES } from './support/expect-outcome.js';
import { type FakeClock, fakeClock, heldJwksFetch, useIssuer } from './support/jwks-support.js';

// Durations in seconds.
const CACHE_MAX_AGE = 60;
const COOLDOWN = 10;
const STALE_IF_ERROR = 120;
const TIMEOUT = 2;
// "At once": far below the timeout a stalled request would wait.
const AT_ONCE_MS = 500;

let issuer: TestIssuer;
useIssuer({ algorithms: ['ES256', 'RS256'] }, (started) => (issuer = started), (current) => {
  for (const key of current.keys) key.published = key === current.keys[0] || key === current.keys[1];
});

let events: JwksEvent[] = [];
const onJwks = (event: unknown) => events.push(event as JwksEvent);
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
beforeEach(() => {
  events = [];
  unhandled.length = 0;
  subscribe(JWKS_CHANNEL, onJwks);
  process.on('unhandledRejection', onUnhandled);
});
afterEach(() => {
  unsubscribe(JWKS_CHANNEL, onJwks);
  process.off('unhandledRejection', onUnhandled);
  vi.restoreAllMocks();
});

function verifierWith(clock: FakeClock, jwks: JwksOptions = {}, fetch?: typeof globalThis.fetch): Verifier {
  return createVerifier({
    issuer: issuer.issuer,
    audience: issuer.audience,
    allowInsecureRequests: true,
    now: clock.now,
    ...(fetch ? { fetch } : {}),
    jwks: { cacheMaxAge: CACHE_MAX_AGE, cooldown: COOLDOWN, staleIfError: STALE_IF_ERROR, timeout: TIMEOUT, ...jwks },
  });
}

/** Runs `verifications` together and returns how long they all took, in real milliseconds (failing after 5 s). */
async function timed(verifications: Array<Promise<AccessToken>>): Promise<{ ms: number; results: Array<PromiseSettledResult<AccessToken>> }> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const stalled = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('the verifications were not answered within 5 s')), 5000);
  });
  try {
    const results = await Promise.race([Promise.allSettled(verifications), stalled]);
    return { ms: performance.now() - started, results };
  } finally {
    clearTimeout(timer);
  }
}

/** A settled verification as a promise again, for {@link expectOutcome}. */
const replay = (result: PromiseSettledResult<AccessToken>): Promise<AccessToken> =>
  result.status === 'fulfilled' ? Promise.resolve(result.value) : Promise.reject(result.reason as Error);

/** Resolves once `count` JWKS events (fetched or failed) have been published. */
const settled = (count: number, timeout = TIMEOUT * 1000 + 2000) => vi.waitFor(() => expect(events).toHaveLength(count), { timeout, interval: 5 });

describe('keys past cacheMaxAge, endpoint hanging', () => {
  it('requests with known kids, cached or new, are answered at once from the keys in hand; one background fetch; past staleIfError, requests wait and get 503', async () => {
    const clock = fakeClock();
    const start = clock.now();
    const verifier = verifierWith(clock);
    const cached = await issuer.sign({ sub: 'cached' }, { now: clock.seconds(), expiresIn: 86_400 });
    await verifier.verify(cached);
    expect(issuer.requests.jwks).toBe(1);
    await settled(1);

    // The endpoint now holds every response far past the timeout.
    issuer.setFault({ kind: 'slow', delayMs: 60_000 }, 'jwks');
    clock.advance(CACHE_MAX_AGE + 1);
    const fresh = await Promise.all(
      Array.from({ length: 20 }, (_, i) => issuer.sign({ sub: `user-${i}` }, { alg: i % 2 ? 'RS256' : 'ES256', now: clock.seconds(), expiresIn: 86_400 })),
    );
    const first = await timed([verifier.verify(cached), ...fresh.map((token) => verifier.verify(token))]);
    expect(first.results.filter((result) => result.status === 'rejected')).toEqual([]);
    expect(first.ms).toBeLessThan(AT_ONCE_MS);
    await vi.waitFor(() => expect(issuer.requests.jwks).toBe(2));

    // While that fetch hangs, more requests are answered at once and start no other fetch.
    clock.advance(5);
    const second = await timed([verifier.verify(cached), verifier.verify(fresh[0]!), verifier.verify(await issuer.sign({}, { now: clock.seconds() }))]);
    expect(second.results.filter((result) => result.status === 'rejected')).toEqual([]);
    expect(second.ms).toBeLessThan(AT_ONCE_MS);

    // The background fetch times out: a failure event that says stale keys are served, and no unhandled rejection.
    await settled(2);
    expect(events[1]).toMatchObject({ outcome: 'failed', problem: 'endpoint', staleKeys: true, error: expect.stringMatching(/timed out/) });
    expect(issuer.requests.jwks).toBe(2);
    await expectOutcome(verifier.verify(cached), VERIFIES, 'stale keys after the failed refresh');

    // Past cacheMaxAge + staleIfError the keys in hand are no longer used: the request waits for the fetch, and gets 503.
    clock.advance((start + (CACHE_MAX_AGE + STALE_IF_ERROR + 1) * 1000 - clock.now()) / 1000);
    const late = await timed([verifier.verify(cached)]);
    await expectOutcome(replay(late.results[0]!), unavailable(COOLDOWN));
    expect(late.ms).toBeGreaterThanOrEqual(TIMEOUT * 1000 - 100);
    expect(issuer.requests.jwks).toBe(3);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(unhandled).toEqual([]);
  });

  it('a background refresh that fails at once (connection reset) leaves no unhandled rejection, and the cooldown spaces the next one', async () => {
    const clock = fakeClock();
    const verifier = verifierWith(clock);
    const token = await issuer.sign({}, { now: clock.seconds(), expiresIn: 86_400 });
    await verifier.verify(token);
    issuer.setFault({ kind: 'down' }, 'jwks');

    clock.advance(CACHE_MAX_AGE + 1);
    await expectOutcome(verifier.verify(token), VERIFIES);
    await settled(2);
    expect(events[1]).toMatchObject({ outcome: 'failed', staleKeys: true });
    clock.advance(COOLDOWN - 1);
    await expectOutcome(verifier.verify(token), VERIFIES);
    clock.advance(1);
    await expectOutcome(verifier.verify(token), VERIFIES);
    await settled(3);
    expect(issuer.requests.jwks).toBe(3);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(unhandled).toEqual([]);
  });
});

describe('the verified-token cache during a background refresh', () => {
  it('serves a cached token without a signature check while the refresh runs; once it shows the key removed, the token is refused', async () => {
    const clock = fakeClock();
    const latency = heldJwksFetch();
    const verifier = verifierWith(clock, {}, latency.fetch);
    const kid = issuer.keys[0]!.kid;
    const cached = await issuer.sign({ sub: 'cached' }, { kid, now: clock.seconds(), expiresIn: 86_400 });
    const verified = await verifier.verify(cached);

    issuer.retire(kid);
    clock.advance(CACHE_MAX_AGE + 1);
    latency.hold();
    const checks = vi.spyOn(crypto, 'verify');
    const during = await timed([verifier.verify(cached)]);
    expect(during.ms).toBeLessThan(AT_ONCE_MS);
    expect(during.results[0]).toEqual({ status: 'fulfilled', value: verified });
    expect(checks).not.toHaveBeenCalled();
    await vi.waitFor(() => expect(issuer.requests.jwks).toBe(2));

    latency.release();
    await settled(2);
    expect(events[1]).toMatchObject({ outcome: 'fetched', changed: true });
    await expectOutcome(verifier.verify(cached), invalidToken('unknown_key'), 'after the refresh');
  });

  it('keeps serving a cached token when the refresh finds the same keys (same generation)', async () => {
    const clock = fakeClock();
    const verifier = verifierWith(clock);
    const cached = await issuer.sign({}, { now: clock.seconds(), expiresIn: 86_400 });
    const verified = await verifier.verify(cached);
    clock.advance(CACHE_MAX_AGE + 1);
    expect(await verifier.verify(cached)).toBe(verified);
    await settled(2);
    expect(events[1]).toMatchObject({ outcome: 'fetched', changed: false });
    const checks = vi.spyOn(crypto, 'verify');
    expect(await verifier.verify(cached)).toBe(verified);
    expect(checks).not.toHaveBeenCalled();
    expect(issuer.requests.jwks).toBe(2);
  });

  it('keeps serving a cached token when the refresh finds the same keys in another order (keys and their members)', async () => {
    const clock = fakeClock();
    let served = 0;
    // The second key-set response lists the keys backwards, each with its members backwards.
    const shuffling: typeof globalThis.fetch = async (input, init) => {
      const response = await globalThis.fetch(input, init);
      const body = (await response.json()) as unknown;
      const keys = (body as { keys?: Array<Record<string, unknown>> }).keys;
      if (!Array.isArray(keys)) return Response.json(body, { status: response.status });
      served += 1;
      const listed = served === 1 ? keys : keys.map((key) => Object.fromEntries(Object.entries(key).reverse())).reverse();
      expect(listed.length).toBeGreaterThan(1);
      return Response.json({ keys: listed }, { status: response.status });
    };
    const verifier = verifierWith(clock, {}, shuffling);
    const cached = await issuer.sign({}, { now: clock.seconds(), expiresIn: 86_400 });
    const verified = await verifier.verify(cached);
    expect(await verifier.verify(cached)).toBe(verified);
    clock.advance(CACHE_MAX_AGE + 1);
    expect(await verifier.verify(cached)).toBe(verified);
    await settled(2);
    expect(served).toBe(2);
    expect(events[1]).toMatchObject({ outcome: 'fetched', changed: false });
    const checks = vi.spyOn(crypto, 'verify');
    expect(await verifier.verify(cached)).toBe(verified);
    expect(checks).not.toHaveBeenCalled();
  });
});

describe('staleIfError: 0', () => {
  it('keeps no keys past cacheMaxAge: a request waits for the refetch', async () => {
    const clock = fakeClock();
    const verifier = verifierWith(clock, { staleIfError: 0 });
    const token = await issuer.sign({}, { now: clock.seconds(), expiresIn: 86_400 });
    await verifier.verify(token);
    clock.advance(CACHE_MAX_AGE + 1);
    await verifier.verify(token);
    // Counted as soon as the verification resolved: it waited for the fetch.
    expect(issuer.requests.jwks).toBe(2);
    expect(events).toHaveLength(2);
  });
});
