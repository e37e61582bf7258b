// The rejection cache: a refusal that only a new key set could change is remembered (bounded), so the same
// bad token does not cost a signature check each time; refusals that time or a rotation can repair are not.
import crypto from 'node:crypto';
import { createTestIssuer, tamperSignature, type TestIssuer } from '@tollgate/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { RejectionCache } from '../src/lib/rejection-cache.js';
import { createVerifier, type VerifierOptions } from '../src/index.js';
import { tokenRefusal } from './support/jwks-support.js';

const T = 1_750_000_000; // epoch seconds at which tokens are minted
let issuer: TestIssuer;
let clock = T;

const verifierWith = (options: Partial<VerifierOptions> = {}) =>
  createVerifier({ issuer: issuer.issuer, audience: issuer.audience, allowInsecureRequests: true, now: () => clock * 1000, ...options });

/** Counts signature checks (core verifies with node:crypto's verify). */
const signatureChecks = () => vi.spyOn(crypto, 'verify');


beforeAll(async () => {
  issuer = await createTestIssuer({ algorithms: ['ES256'] });
});
afterAll(() => issuer.close());
afterEach(() => {
  vi.restoreAllMocks();
  clock = T;
});

describe('rejection cache', () => {
  it('answers a repeated forged token from memory: one signature check, the same refusal each time', async () => {
    const verifier = verifierWith();
    const forged = tamperSignature(await issuer.sign({}, { now: T }));
    const checks = signatureChecks();
    const errors = [];
    for (let i = 0; i < 5; i += 1) errors.push(await tokenRefusal(verifier.verify(forged)));
    expect(checks).toHaveBeenCalledTimes(1);
    for (const error of errors) expect([error.status, error.code, error.reason, error.message]).toEqual([401, 'invalid_token', 'signature', 'invalid signature']);
    // A fresh error each time: a realm set on one refusal by one route must not leak into another's.
    expect(new Set(errors).size).toBe(5);
  });

  it.each([
    ['expired', {}, { expiresIn: -60 }],
    ['audience', { aud: 'https://other.example' }, {}],
    ['missing_claim', {}, { omit: ['sub'] }],
  ] as const)('remembers a refusal for %s', async (reason, claims, signOptions) => {
    const verifier = verifierWith({ requiredClaims: ['sub'] });
    const token = await issuer.sign({ ...claims }, { now: T, ...signOptions });
    const checks = signatureChecks();
    expect((await tokenRefusal(verifier.verify(token))).reason).toBe(reason);
    expect((await tokenRefusal(verifier.verify(token))).reason).toBe(reason);
    expect(checks).toHaveBeenCalledTimes(1);
  });

  it('does not remember a token that is not valid yet: it verifies once its nbf has passed', async () => {
    const verifier = verifierWith();
    const token = await issuer.sign({ nbf: T + 60 }, { now: T });
    const checks = signatureChecks();
    expect((await tokenRefusal(verifier.verify(token))).reason).toBe('not_yet_valid');
    expect((await tokenRefusal(verifier.verify(token))).reason).toBe('not_yet_valid');
    expect(checks).toHaveBeenCalledTimes(2);
    clock = T + 61;
    await expect(verifier.verify(token)).resolves.toMatchObject({ issuer: issuer.issuer });
  });

  it('does not remember an unknown kid: the key verifies once it is published', async () => {
    const verifier = verifierWith({ jwks: { cooldown: 1 } });
    await verifier.verify(await issuer.sign({}, { now: T }));
    const next = await issuer.rotate({ alg: 'ES256', publish: false });
    const token = await issuer.sign({}, { kid: next.kid, now: T });
    expect((await tokenRefusal(verifier.verify(token))).reason).toBe('unknown_key');
    issuer.publish(next.kid);
    clock = T + 2; // past the unknown-kid cooldown
    await expect(verifier.verify(token)).resolves.toMatchObject({ header: expect.objectContaining({ kid: next.kid }) });
    issuer.retire(next.kid);
  });

  it('decides again once the key set changed (a refusal holds only for the keys that decided it)', async () => {
    const verifier = verifierWith({ jwks: { cacheMaxAge: 60 } });
    const forged = tamperSignature(await issuer.sign({}, { now: T }));
    const checks = signatureChecks();
    await tokenRefusal(verifier.verify(forged));
    await issuer.rotate({ alg: 'ES256' }); // the next fetch sees a different key set
    clock = T + 61; // keys stale: refetched on the next call
    expect((await tokenRefusal(verifier.verify(forged))).reason).toBe('signature');
    expect(checks).toHaveBeenCalledTimes(2);
  });

  it('is off with maxRejections: 0 and with cache: false', async () => {
    const forged = tamperSignature(await issuer.sign({}, { now: T }));
    for (const cache of [{ maxRejections: 0 }, false] as const) {
      const verifier = verifierWith({ cache });
      const checks = signatureChecks();
      await tokenRefusal(verifier.verify(forged));
      await tokenRefusal(verifier.verify(forged));
      expect(checks).toHaveBeenCalledTimes(2);
      vi.restoreAllMocks();
    }
  });

  it('holds at most maxRejections refusals, least recently used out first', async () => {
    const verifier = verifierWith({ cache: { maxRejections: 2 } });
    const [a, b, c] = await Promise.all([1, 2, 3].map(async (n) => tamperSignature(await issuer.sign({ jti: `t${n}` }, { now: T }))));
    for (const token of [a, b, c]) await tokenRefusal(verifier.verify(token!));
    const checks = signatureChecks();
    await tokenRefusal(verifier.verify(c!)); // remembered
    await tokenRefusal(verifier.verify(b!)); // remembered
    await tokenRefusal(verifier.verify(a!)); // evicted by c: checked again
    expect(checks).toHaveBeenCalledTimes(1);
  });

  it('keys entries by digest, so a large token costs no more memory than a small one', () => {
    const cache = new RejectionCache(3);
    const refusalEntry = { reason: 'signature', description: 'invalid signature', issuer: 'https://issuer', generation: 1 } as const;
    for (let i = 0; i < 10; i += 1) cache.set(`${'x'.repeat(8000)}${i}`, refusalEntry);
    expect(cache.size).toBe(3);
    expect(cache.get(`${'x'.repeat(8000)}9`)).toBe(refusalEntry);
    expect(cache.get(`${'x'.repeat(8000)}0`)).toBeUndefined();
  });
});
