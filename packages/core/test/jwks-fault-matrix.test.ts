// The JWKS fault matrix: every way the key endpoint can misbehave, with and without cached keys, in one
// table; then key rotation under concurrent traffic, clock skew against clockTolerance, and an
// unknown-kid flood across an outage. Real HTTP to the test issuer on 127.0.0.1; time is an injected
// clock (only the request timeout runs on real time: 0.5 s in the matrix, the 5 s default elsewhere,
// since a loaded CI machine can take longer than 0.2 s to answer even a healthy fetch). Keys past
// cacheMaxAge are refreshed in the background: each step waits for the fetches it started to land.
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createTestIssuer, type IssuerFault, type TestIssuer } from '@tollgate/testing';
import { createVerifier, type AccessToken, type JwksOptions, type Verifier, type VerifierOptions } from '../src/index.js';
import { describeOutcome, expectOutcome, invalidToken, unavailable, VERIFIES, type Outcome } from './support/expect-outcome.js';
import { type FakeClock, fakeClock, heldJwksFetch, jwksFetches, useIssuer } from './support/jwks-support.js';

// Durations in seconds. maxResponseBytes stays at its default, 256 KiB.
const CACHE_MAX_AGE = 60;
const COOLDOWN = 10;
const STALE_IF_ERROR = 120;
const MATRIX_TIMEOUT = 0.5;

let issuer: TestIssuer;
// Each test starts with only the two original keys published.
useIssuer({ algorithms: ['ES256', 'RS256'] }, (started) => (issuer = started), (current) => {
  for (const key of current.keys) key.published = key === current.keys[0] || key === current.keys[1];
});
// Another server with a valid JWKS of its own keys: the target of the redirect fault, never to be fetched.
const elsewhere = await createTestIssuer({ algorithms: ['ES256'] });
afterAll(() => elsewhere.close());

function verifierWith(clock: FakeClock, jwks: JwksOptions = {}, extra: Partial<VerifierOptions> = {}): Verifier {
  return createVerifier({
    issuer: issuer.issuer,
    audience: issuer.audience,
    allowInsecureRequests: true,
    now: clock.now,
    jwks: { cacheMaxAge: CACHE_MAX_AGE, cooldown: COOLDOWN, staleIfError: STALE_IF_ERROR, ...jwks },
    ...extra,
  });
}

/**
 * One step of a cell: at `at` seconds after the cell began, with the endpoint `faulty` or `healthy`,
 * the same token comes to `expect`, and the JWKS has then been requested `jwks` times in all.
 */
interface Step {
  at: number;
  endpoint: 'faulty' | 'healthy';
  expect: Outcome;
  jwks: number;
}

const UNKNOWN_KEY = invalidToken('unknown_key');

// With cached keys, the endpoint fails: stale keys serve until cacheMaxAge + staleIfError (60 + 120 s),
// with one failed background refresh per cooldown (10 s); then 503. Once the endpoint is back, the next
// fetch waits for the cooldown of the last failure.
const STALE_THEN_503: readonly Step[] = [
  { at: 0, endpoint: 'healthy', expect: VERIFIES, jwks: 1 }, // keys cached
  { at: 61, endpoint: 'faulty', expect: VERIFIES, jwks: 2 }, // past cacheMaxAge: stale keys used, a refresh fails in the background
  { at: 65, endpoint: 'faulty', expect: VERIFIES, jwks: 2 }, // within the cooldown: no fetch
  { at: 71, endpoint: 'faulty', expect: VERIFIES, jwks: 3 }, // cooldown over: one more failed refresh
  { at: 181, endpoint: 'faulty', expect: unavailable(10), jwks: 4 }, // past cacheMaxAge + staleIfError
  { at: 185, endpoint: 'faulty', expect: unavailable(6), jwks: 4 },
  { at: 190, endpoint: 'healthy', expect: unavailable(1), jwks: 4 }, // back, but the cooldown still runs
  { at: 191, endpoint: 'healthy', expect: VERIFIES, jwks: 5 }, // recovered
];

// Without cached keys, the endpoint fails: 503 with Retry-After counting down the cooldown, no
// fetch within it; once the endpoint is back, recovery at the end of the cooldown.
const COLD_503: readonly Step[] = [
  { at: 0, endpoint: 'faulty', expect: unavailable(10), jwks: 1 },
  { at: 4, endpoint: 'faulty', expect: unavailable(6), jwks: 1 },
  { at: 9, endpoint: 'healthy', expect: unavailable(1), jwks: 1 },
  { at: 10, endpoint: 'healthy', expect: VERIFIES, jwks: 2 },
];

// The endpoint answers with a well-formed JWK Set (RFC 7517 section 5) that holds no key usable for
// signatures: that is an answer, not a failure. It replaces the cached keys (an issuer may withdraw
// every key, e.g. after a compromise; stale keys must not outlive the refresh that shows it), so the
// token's kid is unknown: 401, and the unknown-kid cooldown bounds the refetches.
const UNKNOWN_KEY_401: readonly Step[] = [
  { at: 0, endpoint: 'healthy', expect: VERIFIES, jwks: 1 },
  { at: 61, endpoint: 'faulty', expect: VERIFIES, jwks: 2 }, // past cacheMaxAge: the keys in hand answer, the refresh runs in the background
  { at: 65, endpoint: 'faulty', expect: UNKNOWN_KEY, jwks: 3 }, // the refresh emptied the set: one lookup of the kid, cooldown starts
  { at: 71, endpoint: 'faulty', expect: UNKNOWN_KEY, jwks: 3 }, // within the cooldown: no fetch
  { at: 181, endpoint: 'faulty', expect: UNKNOWN_KEY, jwks: 4 }, // the empty set expired too: its refresh is the lookup
  { at: 185, endpoint: 'faulty', expect: UNKNOWN_KEY, jwks: 4 },
  { at: 190, endpoint: 'healthy', expect: UNKNOWN_KEY, jwks: 4 }, // fixed, but the unknown-kid cooldown still runs
  { at: 191, endpoint: 'healthy', expect: VERIFIES, jwks: 5 },
];

const COLD_401: readonly Step[] = [
  { at: 0, endpoint: 'faulty', expect: UNKNOWN_KEY, jwks: 1 },
  { at: 4, endpoint: 'faulty', expect: UNKNOWN_KEY, jwks: 1 },
  { at: 9, endpoint: 'healthy', expect: UNKNOWN_KEY, jwks: 1 },
  { at: 10, endpoint: 'healthy', expect: VERIFIES, jwks: 2 },
];

const FIVE_MIB = 5 * 1024 * 1024;

interface Row {
  fault: string;
  set: IssuerFault;
  withCachedKeys: readonly Step[];
  withoutCachedKeys: readonly Step[];
}
const row = (fault: string, set: IssuerFault, withCachedKeys: readonly Step[], withoutCachedKeys: readonly Step[]): Row => ({
  fault,
  set,
  withCachedKeys,
  withoutCachedKeys,
});

/** The matrix. Rows: what the JWKS endpoint does; columns: with cached keys, without. */
const MATRIX: readonly Row[] = [
  //  fault                                 what the endpoint does                                    with cached keys  without
  row('down (connection reset)',            { kind: 'down' },                                          STALE_THEN_503,   COLD_503),
  row('slow past the timeout (3 s > 0.5 s)', { kind: 'slow', delayMs: 3000 },                          STALE_THEN_503,   COLD_503),
  row('HTTP 500',                           { kind: 'error', status: 500 },                            STALE_THEN_503,   COLD_503),
  row('HTTP 404',                           { kind: 'error', status: 404 },                            STALE_THEN_503,   COLD_503),
  row('invalid JSON',                       { kind: 'invalid-json' },                                  STALE_THEN_503,   COLD_503),
  row('JSON that is not a JWKS',            { kind: 'not-a-jwks' },                                    STALE_THEN_503,   COLD_503),
  row('5 MiB body with Content-Length',     { kind: 'oversized', bytes: FIVE_MIB },                    STALE_THEN_503,   COLD_503),
  row('5 MiB body, chunked',                { kind: 'oversized', bytes: FIVE_MIB, chunked: true },     STALE_THEN_503,   COLD_503),
  row('redirect loop',                      { kind: 'redirect-loop' },                                 STALE_THEN_503,   COLD_503),
  row("redirect to another server's JWKS",  { kind: 'redirect', location: elsewhere.jwksUri },         STALE_THEN_503,   COLD_503),
  row('keys marked use "enc"',              { kind: 'wrong-use' },                                     UNKNOWN_KEY_401,  COLD_401),
  row('empty key set',                      { kind: 'empty-keys' },                                    UNKNOWN_KEY_401,  COLD_401),
];

/** Plays a cell's steps with one verifier and one token valid for a day, on an injected clock. */
async function playCell(set: IssuerFault, steps: readonly Step[]): Promise<void> {
  const clock = fakeClock();
  const start = clock.now();
  const verifier = verifierWith(clock, { timeout: MATRIX_TIMEOUT });
  const fetches = jwksFetches();
  const token = await issuer.sign({ sub: 'matrix' }, { now: clock.seconds(), expiresIn: 86_400 });
  elsewhere.resetRequests();
  for (const step of steps) {
    clock.advance((start + step.at * 1000 - clock.now()) / 1000);
    issuer.setFault(step.endpoint === 'faulty' ? set : null, 'jwks');
    const where = `t=${step.at}s, endpoint ${step.endpoint}`;
    const verified = await expectOutcome(verifier.verify(token), step.expect, where);
    if (verified) expect(verified.subject, where).toBe('matrix');
    // Each fetch is one JWKS request; a background refresh lands after the answer.
    await fetches.settled(step.jwks);
    expect(issuer.requests.jwks, `${where}: JWKS requests`).toBe(step.jwks);
  }
  // The metadata is read at most once per JWKS fetch (again when it is older than cacheMaxAge, or after a
  // failed fetch); the configured JWKS URL is the only one ever fetched (redirects are refused).
  expect(issuer.requests.discovery).toBeGreaterThanOrEqual(1);
  expect(issuer.requests.discovery).toBeLessThanOrEqual(issuer.requests.jwks);
  expect(elsewhere.requests.total).toBe(0);
}

/** A settled verification as a promise again, for {@link expectOutcome}. */
const replay = (result: PromiseSettledResult<AccessToken>): Promise<AccessToken> =>
  result.status === 'fulfilled' ? Promise.resolve(result.value) : Promise.reject(result.reason as Error);

/** The outcome of a cell's first step that meets `condition`, for test titles. */
const outcomeWhere = (steps: readonly Step[], condition: (step: Step) => boolean) => describeOutcome(steps.find(condition)!.expect);
const duringFault = (step: Step) => step.endpoint === 'faulty';
const pastStaleIfError = (step: Step) => duringFault(step) && step.at > CACHE_MAX_AGE + STALE_IF_ERROR;

describe.each(MATRIX)('JWKS endpoint: $fault', ({ set, withCachedKeys, withoutCachedKeys }) => {
  const stale = outcomeWhere(withCachedKeys, duringFault);
  const pastStale = outcomeWhere(withCachedKeys, pastStaleIfError);
  it(`with cached keys: ${stale}, then ${pastStale} past staleIfError; recovers after the cooldown`, async () => {
    await playCell(set, withCachedKeys);
  });

  it(`without cached keys: ${outcomeWhere(withoutCachedKeys, duringFault)}; recovers after the cooldown`, async () => {
    await playCell(set, withoutCachedKeys);
  });
});

describe('rotation in the middle of traffic', () => {
  /** Verifies every token concurrently; returns the outcomes in order. */
  const verifyAll = (verifier: Verifier, tokens: readonly string[]) => Promise.allSettled(tokens.map((token) => verifier.verify(token)));

  it('200 concurrent verifications, old and new key interleaved, right after the new key is published: zero 401s, one refetch; after the old key is retired, only its tokens fail', async () => {
    const clock = fakeClock();
    const verifier = verifierWith(clock);
    const [oldKey] = issuer.keys;
    await verifier.verify(await issuer.sign({}, { kid: oldKey!.kid, now: clock.seconds() }));
    expect(issuer.requests.jwks).toBe(1);

    clock.advance(1);
    const newKey = await issuer.rotate({ alg: 'ES256' });
    const kidOf = (i: number) => (i % 2 === 0 ? oldKey!.kid : newKey.kid);
    const tokens = await Promise.all(Array.from({ length: 200 }, (_, i) => issuer.sign({ sub: `user-${i}` }, { kid: kidOf(i), now: clock.seconds() })));
    const results = await verifyAll(verifier, tokens);

    expect(results.filter((result) => result.status === 'rejected')).toEqual([]);
    expect(results.map((result) => (result.status === 'fulfilled' ? result.value.header.kid : undefined))).toEqual(tokens.map((_, i) => kidOf(i)));
    expect(issuer.requests.jwks).toBe(2);

    // The old key is retired: once the cached set expires, the first request starts a background
    // refresh; once that lands, the old key's tokens fail (after one shared lookup of their kid, since
    // the refresh began before they arrived) and the new key's keep passing.
    issuer.retire(oldKey!.kid);
    clock.advance(CACHE_MAX_AGE + 1);
    const fetches = jwksFetches();
    await verifier.verify(await issuer.sign({}, { kid: newKey.kid, now: clock.seconds() }));
    await fetches.settled(1);
    expect(issuer.requests.jwks).toBe(3);
    const later = await Promise.all(Array.from({ length: 200 }, (_, i) => issuer.sign({}, { kid: kidOf(i), now: clock.seconds() })));
    const after = await verifyAll(verifier, later);
    for (const [i, result] of after.entries()) {
      if (i % 2 === 1) expect(result.status, `token ${i}`).toBe('fulfilled');
      else await expectOutcome(replay(result), UNKNOWN_KEY, `token ${i}`);
    }
    expect(issuer.requests.jwks).toBe(4);
  });

  it('200 concurrent verifications while a refresh that predates the new key is in flight: zero 401s, two refetches', async () => {
    const clock = fakeClock();
    // Holds JWKS responses after the issuer answered, as network latency would.
    const latency = heldJwksFetch();
    const verifier = verifierWith(clock, {}, { fetch: latency.fetch });
    const [oldKey] = issuer.keys;
    const newKey = await issuer.rotate({ alg: 'ES256', publish: false });
    const kidOf = (i: number) => (i % 2 === 0 ? oldKey!.kid : newKey.kid);
    await verifier.verify(await issuer.sign({}, { kid: oldKey!.kid, now: clock.seconds() }));
    expect(issuer.requests.jwks).toBe(1);

    // The cache expires; the first old-key request starts a refresh, answered before the new key exists.
    clock.advance(CACHE_MAX_AGE + 1);
    latency.hold();
    const tokens = await Promise.all(Array.from({ length: 200 }, (_, i) => issuer.sign({ sub: `user-${i}` }, { kid: kidOf(i), now: clock.seconds() })));
    const first = verifier.verify(tokens[0]!);
    await vi.waitFor(() => expect(issuer.requests.jwks).toBe(2));

    // The new key is published and 199 more requests, old and new key interleaved, arrive meanwhile.
    issuer.publish(newKey.kid);
    clock.advance(0.1);
    const rest = tokens.slice(1).map((token) => verifier.verify(token));
    latency.release();
    const results = await Promise.allSettled([first, ...rest]);

    expect(results.filter((result) => result.status === 'rejected')).toEqual([]);
    expect(issuer.requests.jwks).toBe(3);
  });
});

describe('clock skew between the issuer and the API (clockTolerance 5 s)', () => {
  // `skew`: the issuer's clock minus the API's, in seconds; the token is minted at the issuer's time.
  const cases: ReadonlyArray<{ name: string; skew: number; lifetime: number; nbf: boolean; maxTokenAge?: number; expect: Outcome }> = [
    { name: 'issuer 4 s ahead: nbf and iat 4 s in the future', skew: 4, lifetime: 300, nbf: true, expect: VERIFIES },
    { name: 'issuer 5 s ahead: nbf exactly at the tolerance', skew: 5, lifetime: 300, nbf: true, expect: VERIFIES },
    { name: 'issuer 6 s ahead: nbf past the tolerance', skew: 6, lifetime: 300, nbf: true, expect: invalidToken('not_yet_valid') },
    { name: 'issuer 120 s ahead: nbf far in the future', skew: 120, lifetime: 300, nbf: true, expect: invalidToken('not_yet_valid') },
    // RFC 7519 section 4.1.6 gives iat no validity rule: a future iat alone passes unless a maximum age is set.
    { name: 'issuer 6 s ahead, no nbf: iat in the future is not checked', skew: 6, lifetime: 300, nbf: false, expect: VERIFIES },
    { name: 'issuer 5 s ahead, no nbf, maxTokenAge set: iat at the tolerance', skew: 5, lifetime: 300, nbf: false, maxTokenAge: 60, expect: VERIFIES },
    { name: 'issuer 6 s ahead, no nbf, maxTokenAge set: iat past the tolerance', skew: 6, lifetime: 300, nbf: false, maxTokenAge: 60, expect: invalidToken('issued_in_future') },
    { name: 'issuer 300 s behind, 296 s lifetime: exp 4 s past', skew: -300, lifetime: 296, nbf: true, expect: VERIFIES },
    { name: 'issuer 300 s behind, 295 s lifetime: exp 5 s past (exp <= now - tolerance)', skew: -300, lifetime: 295, nbf: true, expect: invalidToken('expired') },
    { name: 'issuer 30 s behind, 10 s lifetime: exp 20 s past', skew: -30, lifetime: 10, nbf: true, expect: invalidToken('expired') },
  ];

  it.each(cases)('$name', async ({ skew, lifetime, nbf, maxTokenAge, expect: outcome }) => {
    const clock = fakeClock();
    const verifier = verifierWith(clock, {}, maxTokenAge === undefined ? {} : { maxTokenAge });
    const issuedAt = clock.seconds() + skew;
    const token = await issuer.sign(nbf ? { nbf: issuedAt } : {}, { now: issuedAt, expiresIn: lifetime });
    await expectOutcome(verifier.verify(token), outcome, `skew ${skew} s`);
    expect(issuer.requests.jwks).toBe(1);
  });

  it('a verified token leaves the verified-token cache at the same exp boundary', async () => {
    const clock = fakeClock();
    const verifier = verifierWith(clock);
    const token = await issuer.sign({}, { now: clock.seconds(), expiresIn: 1 });
    await expectOutcome(verifier.verify(token), VERIFIES);
    clock.advance(5); // exp 4 s past
    await expectOutcome(verifier.verify(token), VERIFIES);
    clock.advance(1); // exp 5 s past
    await expectOutcome(verifier.verify(token), invalidToken('expired'));
    expect(issuer.requests.jwks).toBe(1);
  });
});

describe('an unknown-kid flood across an outage', () => {
  it('makes exactly one JWKS request per cooldown window over 3 windows of outage (503s) and 3 after recovery (401s)', async () => {
    const clock = fakeClock();
    const start = clock.now();
    // Keys stay fresh for the whole test, so only unknown kids can cause fetches.
    const verifier = verifierWith(clock, { cacheMaxAge: 600 });
    const valid = await issuer.sign({}, { now: clock.seconds(), expiresIn: 3600 });
    await verifier.verify(valid);
    expect(issuer.requests.jwks).toBe(1);

    for (let window = 0; window < 6; window += 1) {
      const outage = window < 3;
      issuer.setFault(outage ? { kind: 'error', status: 500 } : null, 'jwks');
      const windowStart = start + 1000 + window * COOLDOWN * 1000;
      // At the window's start, in its middle, and 1 ms before its end.
      for (const [offsetMs, retryAfter] of [[0, 10], [5000, 5], [9999, 1]] as const) {
        clock.advance((windowStart + offsetMs - clock.now()) / 1000);
        const where = `window ${window} (${outage ? 'outage' : 'recovered'}), +${offsetMs} ms`;
        const flood = await Promise.all(Array.from({ length: 30 }, () => issuer.sign({}, { header: { kid: randomUUID() }, now: clock.seconds() })));
        // During the outage the unknown kid may be a new key that cannot be fetched: 503, not 401.
        const expected = outage ? unavailable(retryAfter) : UNKNOWN_KEY;
        const [validResult, ...rest] = await Promise.allSettled([valid, ...flood].map((token) => verifier.verify(token)));
        expect(validResult!.status, `${where}: the valid token`).toBe('fulfilled');
        for (const result of rest) {
          await expectOutcome(replay(result), expected, where);
        }
        expect(issuer.requests.jwks, `${where}: ${describeOutcome(expected)}`).toBe(2 + window);
      }
    }
    // Each failed fetch re-read the metadata once (the issuer may have moved its keys): 1 + 3.
    expect(issuer.requests.discovery).toBe(4);
  });
});
