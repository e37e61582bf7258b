// The verified-token cache: a hit skips the signature check but never the time checks.
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestIssuer, type TestIssuer } from '@tollgate/testing';
import { createVerifier } from '../src/index.js';
import { jwksFetches, tokenRefusal } from './support/jwks-support.js';
import type { AccessToken, VerifierOptions } from '../src/index.js';
import { fingerprint, TRIAL_SLOTS, VerifiedTokenCache } from '../src/lib/verified-token-cache.js';

const T = 1_750_000_000; // epoch seconds at which tokens are minted
let issuer: TestIssuer;
let clock = T; // the verifier's clock, in seconds; tests move it forward

const verifierWith = (options: Partial<VerifierOptions> = {}) =>
  createVerifier({ issuer: issuer.issuer, audience: issuer.audience, allowInsecureRequests: true, now: () => clock * 1000, ...options });


beforeAll(async () => {
  issuer = await createTestIssuer({ algorithms: ['EdDSA'] });
});
afterAll(() => issuer.close());

describe('verified-token cache', () => {
  it('serves a repeated token from the cache (same object, no request)', async () => {
    clock = T;
    const verifier = verifierWith();
    const token = await issuer.sign({}, { now: T });
    const first = await verifier.verify(token);
    const before = issuer.requests.total;
    expect(await verifier.verify(token)).toBe(first);
    expect(issuer.requests.total).toBe(before);
  });

  it('still rejects a cached token once it expires, at the same boundary as a fresh check', async () => {
    clock = T;
    const verifier = verifierWith(); // clockTolerance 5 s
    const token = await issuer.sign({}, { now: T, expiresIn: 300 });
    const first = await verifier.verify(token);
    clock = T + 300 + 4; // exp 4 s ago: inside the tolerance
    expect(await verifier.verify(token)).toBe(first);
    clock = T + 300 + 5; // exp exactly clockTolerance ago
    const error = await tokenRefusal(verifier.verify(token));
    expect({ reason: error.reason, message: error.message }).toEqual({ reason: 'expired', message: 'token expired' });
    // A fresh verifier (no cache) draws the line at the same second.
    const fresh = await tokenRefusal(verifierWith({ cache: false }).verify(token));
    expect(fresh.reason).toBe('expired');
  });

  it('keeps rejecting an expired token after the cache dropped it', async () => {
    clock = T;
    const verifier = verifierWith();
    const token = await issuer.sign({}, { now: T, expiresIn: 60 });
    await verifier.verify(token);
    clock = T + 3600;
    expect((await tokenRefusal(verifier.verify(token))).reason).toBe('expired');
    expect((await tokenRefusal(verifier.verify(token))).reason).toBe('expired');
  });

  it('rejects a cached token once it is older than maxTokenAge', async () => {
    clock = T;
    const verifier = verifierWith({ maxTokenAge: 60, clockTolerance: 0 });
    const token = await issuer.sign({}, { now: T, expiresIn: 3600 });
    const first = await verifier.verify(token);
    clock = T + 60;
    expect(await verifier.verify(token)).toBe(first);
    clock = T + 61;
    const error = await tokenRefusal(verifier.verify(token));
    expect({ reason: error.reason, message: error.message }).toEqual({ reason: 'too_old', message: 'token too old' });
  });

  it('serves a cached token while keys older than cacheMaxAge are refreshed in the background, and after, when the keys are the same', async () => {
    clock = T;
    const verifier = verifierWith({ jwks: { cacheMaxAge: '10m' } });
    const fetches = jwksFetches();
    const token = await issuer.sign({}, { now: T, expiresIn: 3600 });
    const first = await verifier.verify(token);
    const before = issuer.requests.jwks;
    clock = T + 601;
    expect(await verifier.verify(token)).toBe(first);
    await fetches.settled(2);
    expect(issuer.requests.jwks - before).toBe(1);
    expect(await verifier.verify(token)).toBe(first);
  });

  it('with cache: false, verifies every time', async () => {
    clock = T;
    const verifier = verifierWith({ cache: false });
    const token = await issuer.sign({}, { now: T });
    const first = await verifier.verify(token);
    expect(await verifier.verify(token)).not.toBe(first);
  });

  it('evicts the least recently used token beyond maxEntries', async () => {
    clock = T;
    const verifier = verifierWith({ cache: { maxEntries: 2 } });
    const [a, b, c] = await Promise.all([issuer.sign({}, { now: T }), issuer.sign({}, { now: T }), issuer.sign({}, { now: T })]);
    const first = { a: await verifier.verify(a), b: await verifier.verify(b) };
    expect(await verifier.verify(a)).toBe(first.a); // a is now the most recently used
    await verifier.verify(c); // evicts b
    expect(await verifier.verify(a)).toBe(first.a);
    expect(await verifier.verify(b)).not.toBe(first.b);
  });

  it('returns a deeply frozen AccessToken, so a handler cannot alter the cached one', async () => {
    clock = T;
    const verifier = verifierWith();
    const auth = await verifier.verify(await issuer.sign({ scope: 'a b' }, { now: T }));
    expect(Object.isFrozen(auth)).toBe(true);
    expect(Object.isFrozen(auth.scopes)).toBe(true);
    expect(Object.isFrozen(auth.claims)).toBe(true);
    expect(Object.isFrozen(auth.header)).toBe(true);
    expect(() => (auth.scopes as string[]).push('admin')).toThrow(TypeError);
  });
});

describe('verified-token cache: admission on the second sighting', () => {
  it('drops a token seen once after TRIAL_SLOTS other first-seen tokens, and keeps it from its second verification on', async () => {
    clock = T;
    const verifier = verifierWith();
    const checks = vi.spyOn(crypto, 'verify');
    try {
      const [token, ...others] = await Promise.all(Array.from({ length: TRIAL_SLOTS + 1 }, () => issuer.sign({}, { now: T })));
      await verifier.verify(token!);
      for (const other of others) await verifier.verify(other);
      checks.mockClear();
      const second = await verifier.verify(token!); // its trial place was taken: verified again, and admitted
      expect(checks).toHaveBeenCalledTimes(1);
      expect(await verifier.verify(token!)).toBe(second);
      for (const other of await Promise.all(Array.from({ length: 3 * TRIAL_SLOTS }, () => issuer.sign({}, { now: T })))) await verifier.verify(other);
      expect(await verifier.verify(token!)).toBe(second);
      expect(checks).toHaveBeenCalledTimes(1 + 3 * TRIAL_SLOTS);
    } finally {
      checks.mockRestore();
    }
  });
});

describe('VerifiedTokenCache', () => {
  const accessToken = (token: string) => ({ token }) as unknown as AccessToken;
  const admit = (cache: VerifiedTokenCache, token: string) => cache.set(token, accessToken(token), 1);

  it('holds a first-seen token on trial; a hit makes it a full entry that later first-seen tokens do not displace', () => {
    const cache = new VerifiedTokenCache(100);
    admit(cache, 'reused');
    expect(cache.get('reused')?.onTrial).toBe(false);
    for (let i = 0; i < 3 * TRIAL_SLOTS; i++) admit(cache, `once-${i}`);
    expect(cache.get('reused')).toBeDefined();
    // Tokens seen once hold at most TRIAL_SLOTS places, whatever maxEntries allows.
    expect(cache.size).toBe(1 + TRIAL_SLOTS);
  });

  it('admits at once a token whose trial ended unused', () => {
    const cache = new VerifiedTokenCache(100);
    admit(cache, 'later');
    for (let i = 0; i < TRIAL_SLOTS; i++) admit(cache, `once-${i}`);
    expect(cache.get('later')).toBeUndefined();
    admit(cache, 'later');
    expect(cache.get('later')?.onTrial).toBe(false);
  });

  it('bounds the record of tokens seen once by 2 × maxEntries, however many are sent', () => {
    const cache = new VerifiedTokenCache(50);
    for (let i = 0; i < 10_000; i++) admit(cache, `token-${i}-${'x'.repeat(i % 7)}`);
    expect(cache.recorded).toBeLessThanOrEqual(100);
    expect(cache.size).toBeLessThanOrEqual(TRIAL_SLOTS);
  });

  it('never holds more than maxEntries, trial places included, and keeps nothing when maxEntries is 0', () => {
    const small = new VerifiedTokenCache(3);
    for (const token of ['a', 'b', 'c', 'd', 'e']) {
      admit(small, token);
      small.get(token);
    }
    expect(small.size).toBe(3);
    const none = new VerifiedTokenCache(0);
    admit(none, 'a');
    admit(none, 'a');
    expect(none.get('a')).toBeUndefined();
    expect(none.recorded).toBe(0);
  });

  it('answers only for the very token it holds: another token with the same fingerprint is a miss and cannot delete it', () => {
    const cache = new VerifiedTokenCache(100);
    const held = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhIn0.signatureSIGNATURE';
    const twin = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJiIn0.signatureSIGNATURE'; // same length and last characters
    expect(fingerprint(twin)).toBe(fingerprint(held));
    admit(cache, held);
    admit(cache, held);
    expect(cache.get(twin)).toBeUndefined();
    expect(cache.peek(twin)).toBeUndefined();
    cache.delete(twin);
    expect(cache.get(held)?.accessToken.token).toBe(held);
    // Storing the twin takes the place: a collision costs a verification, never a wrong answer.
    admit(cache, twin);
    expect(cache.get(held)).toBeUndefined();
    expect(cache.get(twin)?.accessToken.token).toBe(twin);
  });

  it('fingerprints tokens by their last characters and length, as a 30-bit integer', () => {
    const a = fingerprint('header.payload.signatureAAAA');
    expect(Number.isInteger(a) && a >= 0 && a < 2 ** 30).toBe(true);
    expect(fingerprint('header.payload.signatureAAAA')).toBe(a);
    expect(fingerprint('header.payload.signatureAAAB')).not.toBe(a);
  });
});
