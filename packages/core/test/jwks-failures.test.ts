// Every way the JWKS or discovery endpoint can fail: 503 without keys, stale keys within staleIfError,
// 503 past it, and recovery after the cooldown. Real HTTP against the test issuer; time is injected.
import { describe, expect, it } from 'vitest';
import { createTestIssuer, type IssuerFault, type TestIssuer } from '@tollgate/testing';
import { createVerifier, InvalidTokenError, JwksUnavailableError, type Verifier } from '../src/index.js';
import { type FakeClock, fakeClock, jwksFetches, rejectionOf, useIssuer } from './support/jwks-support.js';

// Durations in seconds.
const CACHE_MAX_AGE = 60;
const COOLDOWN = 10;
const STALE_IF_ERROR = 120;
const TIMEOUT = 0.3;
const MAX_BYTES = 16 * 1024;

let issuer: TestIssuer;
useIssuer({ algorithms: ['ES256', 'RS256'] }, (started) => (issuer = started));

function verifierWith(clock: FakeClock): Verifier {
  return createVerifier({
    issuer: issuer.issuer,
    audience: issuer.audience,
    allowInsecureRequests: true,
    now: clock.now,
    jwks: { cacheMaxAge: CACHE_MAX_AGE, cooldown: COOLDOWN, staleIfError: STALE_IF_ERROR, timeout: TIMEOUT, maxResponseBytes: MAX_BYTES },
  });
}

/** A token valid for a day from the clock's time, so moving the clock never expires it. */
const tokenAt = (clock: FakeClock, claims: Record<string, unknown> = {}) =>
  issuer.sign(claims, { now: clock.seconds(), expiresIn: 86_400 });

async function expectUnavailable(promise: Promise<unknown>, retryAfter: number): Promise<JwksUnavailableError> {
  const error = await rejectionOf(promise);
  expect(error).toBeInstanceOf(JwksUnavailableError);
  const err = error as JwksUnavailableError;
  expect(err.status).toBe(503);
  expect(err.code).toBe('temporarily_unavailable');
  expect(err.reason).toBe('jwks_unavailable');
  expect(err.message).toBe('signing keys are temporarily unavailable');
  expect(err.retryAfter).toBe(retryAfter);
  expect(err.headers['Retry-After']).toBe(String(retryAfter));
  expect(Number(err.headers['Retry-After'])).toBeGreaterThanOrEqual(1);
  // Nothing about the endpoint leaks into what the client sees.
  const rendered = JSON.stringify([err.message, err.description, err.toJSON(), err.headers]);
  expect(rendered).not.toContain('127.0.0.1');
  expect(rendered).not.toContain('well-known');
  expect(rendered).not.toContain('http');
  expect(err.headers['WWW-Authenticate']).toBe(
    'Bearer realm="api", error="temporarily_unavailable", error_description="signing keys are temporarily unavailable"',
  );
  return err;
}

const faults: ReadonlyArray<{ name: string; fault: IssuerFault; discoveryRequests: number }> = [
  { name: 'down (connection reset)', fault: { kind: 'down' }, discoveryRequests: 2 },
  { name: 'slow beyond the timeout', fault: { kind: 'slow', delayMs: 2000 }, discoveryRequests: 2 },
  { name: 'HTTP 500', fault: { kind: 'error', status: 500 }, discoveryRequests: 2 },
  { name: 'HTTP 404', fault: { kind: 'error', status: 404 }, discoveryRequests: 2 },
  { name: 'invalid JSON', fault: { kind: 'invalid-json' }, discoveryRequests: 2 },
  { name: 'oversized beyond maxResponseBytes', fault: { kind: 'oversized', bytes: 64 * 1024 }, discoveryRequests: 2 },
  // Valid JSON without the configured issuer: a mismatch ends discovery at once (RFC 8414 section 3.3).
  { name: 'valid JSON that is not a JWKS / metadata document', fault: { kind: 'not-a-jwks' }, discoveryRequests: 1 },
];

describe.each(faults)('JWKS endpoint $name', ({ fault }) => {
  it('without cached keys: 503 temporarily_unavailable with Retry-After, and no refetch within the cooldown', async () => {
    const clock = fakeClock();
    const verifier = verifierWith(clock);
    issuer.setFault(fault, 'jwks');
    const token = await tokenAt(clock);

    await expectUnavailable(verifier.verify(token), COOLDOWN);
    expect(issuer.requests.discovery).toBe(1);
    expect(issuer.requests.jwks).toBe(1);

    clock.advance(4);
    await expectUnavailable(verifier.verify(token), COOLDOWN - 4);
    expect(issuer.requests.jwks).toBe(1);
  });

  it('with keys past cacheMaxAge but within staleIfError: the token still verifies with the stale keys', async () => {
    const clock = fakeClock();
    const verifier = verifierWith(clock);
    const fetches = jwksFetches();
    await verifier.verify(await tokenAt(clock, { sub: 'warm-up' }));
    expect(issuer.requests.jwks).toBe(1);

    issuer.setFault(fault, 'jwks');
    clock.advance(CACHE_MAX_AGE + STALE_IF_ERROR - 1);
    const verified = await verifier.verify(await tokenAt(clock, { sub: 'during-outage' }));
    expect(verified.subject).toBe('during-outage');
    await fetches.settled(2);
    expect(issuer.requests.jwks).toBe(2); // the failed refresh, in the background
    expect(fetches.events[1]).toMatchObject({ outcome: 'failed', problem: 'endpoint', staleKeys: true });

    // Within the failure cooldown no new fetch is tried; the stale keys keep serving.
    clock.advance(0.5);
    expect((await verifier.verify(await tokenAt(clock, { sub: 'again' }))).subject).toBe('again');
    expect(issuer.requests.jwks).toBe(2);
  });

  it('with keys past cacheMaxAge + staleIfError: 503', async () => {
    const clock = fakeClock();
    const verifier = verifierWith(clock);
    const token = await tokenAt(clock);
    await verifier.verify(token);

    issuer.setFault(fault, 'jwks');
    clock.advance(CACHE_MAX_AGE + STALE_IF_ERROR + 1);
    // The token was verified before and sits in the verified-token cache: that must not hide the outage.
    await expectUnavailable(verifier.verify(token), COOLDOWN);
    await expectUnavailable(verifier.verify(await tokenAt(clock)), COOLDOWN);
    expect(issuer.requests.jwks).toBe(2);
  });

  it('recovers after setFault(null) once the cooldown has passed, with a new fetch', async () => {
    const clock = fakeClock();
    const verifier = verifierWith(clock);
    issuer.setFault(fault, 'jwks');
    const token = await tokenAt(clock, { sub: 'recovered' });
    await expectUnavailable(verifier.verify(token), COOLDOWN);
    expect(issuer.requests.jwks).toBe(1);

    issuer.setFault(null);
    clock.advance(COOLDOWN - 1);
    await expectUnavailable(verifier.verify(token), 1);
    expect(issuer.requests.jwks).toBe(1);

    clock.advance(1);
    expect((await verifier.verify(token)).subject).toBe('recovered');
    expect(issuer.requests.jwks).toBe(2);
    expect(issuer.requests.discovery).toBe(1);
  });
});

describe.each(faults)('discovery endpoint $name', ({ fault, discoveryRequests }) => {
  it('without cached keys: 503 temporarily_unavailable, and the JWKS is never requested', async () => {
    const clock = fakeClock();
    const verifier = verifierWith(clock);
    issuer.setFault(fault, 'discovery');
    const token = await tokenAt(clock);

    await expectUnavailable(verifier.verify(token), COOLDOWN);
    expect(issuer.requests.discovery).toBe(discoveryRequests);
    expect(issuer.requests.jwks).toBe(0);

    clock.advance(COOLDOWN - 1);
    await expectUnavailable(verifier.verify(token), 1);
    expect(issuer.requests.discovery).toBe(discoveryRequests);
  });

  it('recovers after setFault(null) once the cooldown has passed: discovery and JWKS are fetched again', async () => {
    const clock = fakeClock();
    const verifier = verifierWith(clock);
    issuer.setFault(fault, 'discovery');
    const token = await tokenAt(clock, { sub: 'recovered' });
    await expectUnavailable(verifier.verify(token), COOLDOWN);

    issuer.setFault(null);
    clock.advance(COOLDOWN);
    expect((await verifier.verify(token)).subject).toBe('recovered');
    expect(issuer.requests.discovery).toBe(discoveryRequests + 1);
    expect(issuer.requests.jwks).toBe(1);
  });

  it('with cached keys, even past cacheMaxAge + staleIfError: the metadata re-read fails, the jwks_uri discovered before is reused, and tokens verify', async () => {
    const clock = fakeClock();
    const verifier = verifierWith(clock);
    const fetches = jwksFetches();
    await verifier.verify(await tokenAt(clock));
    expect(issuer.requests.discovery).toBe(1);

    issuer.setFault(fault, 'discovery');
    clock.advance(CACHE_MAX_AGE + STALE_IF_ERROR + 1);
    expect((await verifier.verify(await tokenAt(clock, { sub: 'later' }))).subject).toBe('later');
    // The metadata, older than cacheMaxAge, was read again (and failed) in the same flight as the JWKS.
    expect(issuer.requests.discovery).toBe(1 + discoveryRequests);
    expect(issuer.requests.jwks).toBe(2);
    expect(fetches.events[1]).toMatchObject({ outcome: 'fetched', metadataProblem: { problem: expect.any(String), error: expect.any(String) } });
  });
});

describe('faults and unknown kids', () => {
  it('an unknown kid while the JWKS endpoint fails is 503 (the new key may be what cannot be fetched), known kids keep verifying', async () => {
    const clock = fakeClock();
    const verifier = verifierWith(clock);
    const known = await tokenAt(clock);
    await verifier.verify(known);
    issuer.setFault({ kind: 'error', status: 502 }, 'jwks');

    clock.advance(1);
    const unknown = await issuer.sign({}, { header: { kid: 'not-yet-fetched' }, now: clock.seconds() });
    await expectUnavailable(verifier.verify(unknown), COOLDOWN);
    expect(issuer.requests.jwks).toBe(2);
    clock.advance(2);
    await expectUnavailable(verifier.verify(unknown), COOLDOWN - 2);
    expect(issuer.requests.jwks).toBe(2);
    await verifier.verify(known);
    await verifier.verify(await tokenAt(clock));
    expect(issuer.requests.jwks).toBe(2);

    // Once the endpoint is back and the cooldown passed, the unknown kid gets its lookup and a plain 401.
    issuer.setFault(null);
    clock.advance(COOLDOWN);
    const error = await rejectionOf(verifier.verify(unknown));
    expect(error).toBeInstanceOf(InvalidTokenError);
    expect((error as InvalidTokenError).message).toBe('unknown signing key');
    expect(issuer.requests.jwks).toBe(3);
  });

  it('a slow endpoint is given up on after the timeout, not after the delay', async () => {
    const clock = fakeClock();
    const verifier = verifierWith(clock);
    issuer.setFault({ kind: 'slow', delayMs: 2000 }, 'jwks');
    const started = performance.now();
    await expectUnavailable(verifier.verify(await tokenAt(clock)), COOLDOWN);
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT * 1000 - 50);
    expect(elapsed).toBeLessThan(1500);
  });

  it('the cause of a 503 keeps the diagnostic (for logs) while the message stays generic', async () => {
    const clock = fakeClock();
    const verifier = verifierWith(clock);
    issuer.setFault({ kind: 'error', status: 500 }, 'jwks');
    const err = await expectUnavailable(verifier.verify(await tokenAt(clock)), COOLDOWN);
    expect(err.cause).toBeInstanceOf(Error);
    expect((err.cause as Error).message).toBe(`GET ${issuer.jwksUri} responded 500`);
  });
});
