// Single flight and the unknown-kid cooldown of the JWKS cache, against the real test issuer over HTTP.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { TestIssuer } from '@tollgate/testing';
import { createVerifier, InvalidTokenError, JwksUnavailableError, type JwksOptions, type Verifier } from '../src/index.js';
import { type FakeClock, fakeClock, useIssuer } from './support/jwks-support.js';

let issuer: TestIssuer;
useIssuer({ algorithms: ['RS256', 'ES256'] }, (started) => (issuer = started));

function verifierWith(clock: FakeClock, jwks: JwksOptions = {}): Verifier {
  return createVerifier({
    issuer: issuer.issuer,
    audience: issuer.audience,
    allowInsecureRequests: true,
    now: clock.now,
    jwks: { cacheMaxAge: 600, cooldown: 10, ...jwks },
  });
}

/** Tokens signed by a real key that the JWKS does not list (each call makes a new key unless `kid` repeats). */
async function unpublishedKid(): Promise<string> {
  const key = await issuer.rotate({ alg: 'ES256', publish: false });
  return key.kid;
}

/** Settles every verification and sorts the outcomes. */
async function settle(promises: Promise<unknown>[]) {
  const results = await Promise.allSettled(promises);
  const fulfilled = results.filter((r) => r.status === 'fulfilled').length;
  const reasons = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  return { fulfilled, reasons };
}

function expectAllUnknownKey(reasons: unknown[], count: number): void {
  expect(reasons).toHaveLength(count);
  for (const reason of reasons) {
    expect(reason).toBeInstanceOf(InvalidTokenError);
    expect((reason as InvalidTokenError).reason).toBe('unknown_key');
    expect((reason as InvalidTokenError).message).toBe('unknown signing key');
  }
}

describe('single flight for unknown kids', () => {
  it('100 concurrent tokens with the same unknown kid on a warm cache make exactly 1 JWKS request', async () => {
    const clock = fakeClock();
    const verifier = verifierWith(clock);
    await verifier.verify(await issuer.sign({}, { now: clock.seconds() }));
    expect(issuer.requests.jwks).toBe(1);
    expect(issuer.requests.discovery).toBe(1);

    clock.advance(1);
    const kid = await unpublishedKid();
    const tokens = await Promise.all(Array.from({ length: 100 }, () => issuer.sign({}, { kid, now: clock.seconds() })));
    const { fulfilled, reasons } = await settle(tokens.map((token) => verifier.verify(token)));

    expect(fulfilled).toBe(0);
    expectAllUnknownKey(reasons, 100);
    expect(issuer.requests.jwks).toBe(2);
    expect(issuer.requests.discovery).toBe(1);
  });

  it('100 concurrent tokens with 100 different unknown kids on a warm cache make exactly 1 JWKS request', async () => {
    const clock = fakeClock();
    const verifier = verifierWith(clock);
    await verifier.verify(await issuer.sign({}, { now: clock.seconds() }));
    expect(issuer.requests.jwks).toBe(1);

    clock.advance(1);
    const tokens = await Promise.all(
      Array.from({ length: 100 }, () => issuer.sign({}, { header: { kid: randomUUID() }, now: clock.seconds() })),
    );
    const { fulfilled, reasons } = await settle(tokens.map((token) => verifier.verify(token)));

    expect(fulfilled).toBe(0);
    expectAllUnknownKey(reasons, 100);
    expect(issuer.requests.jwks).toBe(2);
  });

  it('100 concurrent tokens with an unknown kid on a cold start make exactly 1 discovery and 1 JWKS request', async () => {
    const clock = fakeClock();
    const verifier = verifierWith(clock);
    const kid = await unpublishedKid();
    const tokens = await Promise.all(Array.from({ length: 100 }, () => issuer.sign({}, { kid, now: clock.seconds() })));

    const { fulfilled, reasons } = await settle(tokens.map((token) => verifier.verify(token)));

    expect(fulfilled).toBe(0);
    expectAllUnknownKey(reasons, 100);
    expect(issuer.requests.discovery).toBe(1);
    expect(issuer.requests.jwks).toBe(1);
  });

  it('100 concurrent verifications during a cold-start outage share 1 failed fetch and all get 503', async () => {
    const clock = fakeClock();
    const verifier = verifierWith(clock);
    issuer.setFault({ kind: 'error', status: 500 }, 'jwks');
    const tokens = await Promise.all(Array.from({ length: 100 }, () => issuer.sign({}, { now: clock.seconds() })));

    const { fulfilled, reasons } = await settle(tokens.map((token) => verifier.verify(token)));

    expect(fulfilled).toBe(0);
    expect(reasons).toHaveLength(100);
    for (const reason of reasons) expect(reason).toBeInstanceOf(JwksUnavailableError);
    expect(issuer.requests.discovery).toBe(1);
    expect(issuer.requests.jwks).toBe(1);
  });
});

describe('a flood of random kids', () => {
  it('makes at most 1 JWKS request per cooldown window, while valid tokens keep verifying without fetches', async () => {
    const clock = fakeClock();
    const start = clock.now();
    const verifier = verifierWith(clock, { cooldown: 10, cacheMaxAge: 600 });
    const valid = await issuer.sign({}, { now: clock.seconds(), expiresIn: 3600 });
    await verifier.verify(valid);
    expect(issuer.requests.jwks).toBe(1);

    const flood = async (size: number) => {
      const tokens = await Promise.all(
        Array.from({ length: size }, () => issuer.sign({}, { header: { kid: randomUUID() }, now: clock.seconds() })),
      );
      const outcome = await settle([...tokens.map((token) => verifier.verify(token)), verifier.verify(valid)]);
      expect(outcome.fulfilled).toBe(1); // only the valid token
      expectAllUnknownKey(outcome.reasons, size);
    };

    // Window k starts at start + 1 s + k * cooldown; floods at its start, in its middle, and 1 ms before its end.
    for (let window = 0; window < 4; window += 1) {
      const windowStart = start + 1000 + window * 10_000;
      for (const offset of [0, 5000, 9999]) {
        clock.advance((windowStart + offset - clock.now()) / 1000);
        await flood(30);
        expect(issuer.requests.jwks, `window ${window}, +${offset} ms`).toBe(2 + window);
      }
    }
    expect(issuer.requests.discovery).toBe(1);
  });

  it('a flood right after the warm-up fetch still gets one refetch, since only a refetch that misses starts the cooldown', async () => {
    const clock = fakeClock();
    const verifier = verifierWith(clock, { cooldown: 10 });
    await verifier.verify(await issuer.sign({}, { now: clock.seconds() }));
    expect(issuer.requests.jwks).toBe(1);

    // Same instant as the warm-up fetch: an unknown kid is still looked up once.
    const tokens = await Promise.all(Array.from({ length: 50 }, () => issuer.sign({}, { header: { kid: randomUUID() }, now: clock.seconds() })));
    const { reasons } = await settle(tokens.map((token) => verifier.verify(token)));
    expectAllUnknownKey(reasons, 50);
    expect(issuer.requests.jwks).toBe(2);
  });
});

describe('cold start with valid tokens', () => {
  it('100 concurrent valid tokens make exactly 1 discovery and 1 JWKS request, and all verify', async () => {
    const clock = fakeClock();
    const verifier = verifierWith(clock);
    const tokens = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        issuer.sign({ sub: `user-${i}` }, { alg: i % 2 === 0 ? 'RS256' : 'ES256', now: clock.seconds() }),
      ),
    );

    const verified = await Promise.all(tokens.map((token) => verifier.verify(token)));

    expect(verified.map((t) => t.subject)).toEqual(Array.from({ length: 100 }, (_, i) => `user-${i}`));
    expect(issuer.requests.discovery).toBe(1);
    expect(issuer.requests.jwks).toBe(1);

    // A second wave with fresh keys needs no request at all.
    clock.advance(30);
    const more = await Promise.all(Array.from({ length: 100 }, () => issuer.sign({}, { alg: 'ES256', now: clock.seconds() })));
    await Promise.all(more.map((token) => verifier.verify(token)));
    expect(issuer.requests.discovery).toBe(1);
    expect(issuer.requests.jwks).toBe(1);
  });
});
