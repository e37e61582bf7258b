// Rotation that keeps the kid, or sends none: a signature failure under keys older than the cooldown earns
// one refetch (single flight; each refetch makes the keys young again, so forged signatures cost one fetch
// per cooldown) before the refusal stands, and the rejection cache does not outlive what a refetch could
// change.
import crypto from 'node:crypto';
import { SignJWT } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createSigningKey, tamperSignature, type TestIssuer, type TestSigningKey } from '@tollgate/testing';
import { createVerifier, type JwksOptions, type Verifier } from '../src/index.js';
import { invalidToken, unavailable, expectOutcome } from './support/expect-outcome.js';
import { eventually, type FakeClock, fakeClock, heldJwksFetch, tokenRefusal, useIssuer } from './support/jwks-support.js';

const COOLDOWN = 10;

let issuer: TestIssuer;
// Each test starts with only the two original keys published (ES256, then RS256) and no extra entries.
useIssuer({ algorithms: ['ES256', 'RS256'] }, (started) => (issuer = started), (current) => {
  for (const key of current.keys) key.published = key === current.keys[0] || key === current.keys[1];
  current.setExtraJwks([]);
});
afterEach(() => {
  vi.restoreAllMocks();
});

function verifierWith(clock: FakeClock, jwks: JwksOptions = {}, fetch?: typeof globalThis.fetch): Verifier {
  return createVerifier({
    issuer: issuer.issuer,
    audience: issuer.audience,
    allowInsecureRequests: true,
    now: clock.now,
    ...(fetch ? { fetch } : {}),
    jwks: { cacheMaxAge: 600, cooldown: COOLDOWN, staleIfError: 3600, ...jwks },
  });
}

/**
 * The issuer replaces the key behind `old.kid` with a new key of the same algorithm: the JWKS lists the
 * new key under the old kid (or without a kid, with `kid: undefined`), and the old one no more.
 */
async function replaceKey(old: TestSigningKey, kid: string | undefined = old.kid): Promise<TestSigningKey> {
  const replacement = await createSigningKey(old.alg);
  old.published = false;
  const { kid: _kid, ...jwk } = replacement.publicJwk;
  issuer.setExtraJwks([kid === undefined ? jwk : { ...jwk, kid }]);
  return replacement;
}

/** A token signed by `key`, whose header names `kid` (none when undefined). */
function signWith(key: TestSigningKey, kid: string | undefined, clock: FakeClock, claims: Record<string, unknown> = {}): Promise<string> {
  const header = { alg: key.alg, typ: 'at+jwt', ...(kid === undefined ? {} : { kid }) };
  return new SignJWT({ ...issuer.defaultClaims(clock.seconds()), ...claims }).setProtectedHeader(header).sign(key.privateKey);
}

/** Counts signature checks (core verifies with node:crypto's verify). */
const signatureChecks = () => vi.spyOn(crypto, 'verify');

describe('a key replaced behind its kid', () => {
  it('verifies on its first request once the keys in hand are older than the cooldown, with exactly one extra JWKS request', async () => {
    const clock = fakeClock();
    const verifier = verifierWith(clock);
    const old = issuer.keys[0]!;
    await expectOutcome(verifier.verify(await signWith(old, old.kid, clock)), { verifies: true });
    expect(issuer.requests.jwks).toBe(1);

    clock.advance(COOLDOWN);
    const replacement = await replaceKey(old);
    const verified = await verifier.verify(await signWith(replacement, old.kid, clock, { sub: 'replaced' }));
    expect(verified.subject).toBe('replaced');
    expect(verified.header.kid).toBe(old.kid);
    expect(issuer.requests.jwks).toBe(2);

    // More tokens of the new key need no fetch.
    await verifier.verify(await signWith(replacement, old.kid, clock));
    expect(issuer.requests.jwks).toBe(2);
  });

  it('within the cooldown after a fetch, the keys in hand decide without a refetch (the bound on a reused kid), and the next request after it verifies', async () => {
    const clock = fakeClock();
    const verifier = verifierWith(clock);
    const old = issuer.keys[0]!;
    await verifier.verify(await signWith(old, old.kid, clock));
    clock.advance(1);
    const replacement = await replaceKey(old);
    const token = await signWith(replacement, old.kid, clock, { sub: 'replaced', exp: clock.seconds() + 3600 });
    expect((await tokenRefusal(verifier.verify(token))).reason).toBe('signature');
    expect(issuer.requests.jwks).toBe(1);
    clock.advance(COOLDOWN - 1);
    expect((await verifier.verify(token)).subject).toBe('replaced');
    expect(issuer.requests.jwks).toBe(2);
  });

  it('refuses the replaced key’s tokens, cached verifications included, without a refetch while the new keys are young', async () => {
    const clock = fakeClock();
    const verifier = verifierWith(clock);
    const old = issuer.keys[0]!;
    const oldToken = await signWith(old, old.kid, clock, { exp: clock.seconds() + 3600 });
    await verifier.verify(oldToken);
    clock.advance(COOLDOWN);
    const replacement = await replaceKey(old);
    await verifier.verify(await signWith(replacement, old.kid, clock));
    expect(issuer.requests.jwks).toBe(2);

    // The old key's token is cached as verified under the old key set: it is checked again, and refused.
    const refused = await tokenRefusal(verifier.verify(oldToken));
    expect([refused.reason, refused.message]).toEqual(['signature', 'invalid signature']);
    await tokenRefusal(verifier.verify(await signWith(old, old.kid, clock)));
    expect(issuer.requests.jwks).toBe(2);
  });

  it('a new key behind the kid and another type of key (RSA → EC) verifies on its first request too', async () => {
    const clock = fakeClock();
    const verifier = verifierWith(clock);
    const rsa = issuer.keys[1]!;
    await verifier.verify(await signWith(rsa, rsa.kid, clock));
    clock.advance(COOLDOWN);
    const ec = await createSigningKey('ES256');
    rsa.published = false;
    issuer.setExtraJwks([{ ...ec.publicJwk, kid: rsa.kid }]);
    expect((await verifier.verify(await signWith(ec, rsa.kid, clock, { sub: 'ec-now' }))).subject).toBe('ec-now');
    expect(issuer.requests.jwks).toBe(2);
  });
});

describe('a token without a kid', () => {
  it('verifies on its first request after the only key of its algorithm was replaced, with one extra JWKS request', async () => {
    const clock = fakeClock();
    const verifier = verifierWith(clock);
    const old = issuer.keys[0]!;
    await verifier.verify(await signWith(old, undefined, clock));
    expect(issuer.requests.jwks).toBe(1);

    clock.advance(COOLDOWN);
    const replacement = await replaceKey(old, undefined);
    const verified = await verifier.verify(await signWith(replacement, undefined, clock, { sub: 'no-kid' }));
    expect(verified.subject).toBe('no-kid');
    expect(verified.header.kid).toBeUndefined();
    expect(issuer.requests.jwks).toBe(2);
  });
});

describe('a key entry that cannot be imported (an EC point off its curve)', () => {
  it('is refused as unusable after one refetch, and the corrected entry verifies once the keys are older than the cooldown', async () => {
    const clock = fakeClock();
    const verifier = verifierWith(clock);
    const [ec, rsa] = issuer.keys;
    const other = await createSigningKey('ES256');
    ec!.published = false;
    issuer.setExtraJwks([{ ...ec!.publicJwk, x: other.publicJwk.x }]);
    await verifier.verify(await signWith(rsa!, rsa!.kid, clock));
    expect(issuer.requests.jwks).toBe(1);

    clock.advance(COOLDOWN);
    const token = await signWith(ec!, ec!.kid, clock, { sub: 'fixed', exp: clock.seconds() + 3600 });
    for (let i = 0; i < 2; i += 1) {
      // The first refetches (same entry), the second meets young keys; both say what is wrong.
      const refused = await tokenRefusal(verifier.verify(token));
      expect([refused.reason, refused.message]).toEqual(['unknown_key', 'signing key is unusable']);
    }
    expect(issuer.requests.jwks).toBe(2);

    issuer.setExtraJwks([]);
    ec!.published = true;
    clock.advance(COOLDOWN);
    expect((await verifier.verify(token)).subject).toBe('fixed');
    expect(issuer.requests.jwks).toBe(3);
  });
});

describe('forged signatures', () => {
  it('200 concurrent forged tokens of a known kid make one JWKS request and all get 401 invalid signature', async () => {
    const clock = fakeClock();
    const verifier = verifierWith(clock);
    const valid = await issuer.sign({}, { now: clock.seconds(), expiresIn: 3600 });
    await verifier.verify(valid);
    expect(issuer.requests.jwks).toBe(1);

    clock.advance(COOLDOWN);
    const forged = await Promise.all(Array.from({ length: 200 }, async () => tamperSignature(await issuer.sign({}, { now: clock.seconds() }))));
    const results = await Promise.allSettled([...forged.map((token) => verifier.verify(token)), verifier.verify(valid)]);
    expect(results.at(-1)!.status).toBe('fulfilled');
    for (const result of results.slice(0, -1)) await expectOutcome(replay(result), invalidToken('signature'));
    expect(issuer.requests.jwks).toBe(2);
  });

  it('forged tokens that arrive while the refetch is under way start no other fetch when it lands; unknown kids spend only their own budget', async () => {
    const clock = fakeClock();
    const held = heldJwksFetch();
    const verifier = verifierWith(clock, {}, held.fetch);
    const valid = await issuer.sign({}, { now: clock.seconds(), expiresIn: 3600 });
    await verifier.verify(valid);
    clock.advance(COOLDOWN + 1);
    const forged = () => Promise.all(Array.from({ length: 100 }, async () => tamperSignature(await issuer.sign({}, { now: clock.seconds() }))));
    const randomKids = (batch: number) =>
      Promise.all(Array.from({ length: 25 }, (_, i) => issuer.sign({}, { now: clock.seconds(), header: { kid: `random-${batch}-${i}` } })));
    const settleAll = async (tokens: string[]) => {
      const results = await Promise.allSettled(tokens.map((token) => verifier.verify(token)));
      expect(results.every((result) => result.status === 'rejected')).toBe(true);
    };

    const [first, late] = [await forged(), await forged()];
    held.hold();
    const early = first.map((token) => verifier.verify(token));
    expect(await eventually(() => issuer.requests.jwks === 2)).toBe(true);
    // These arrive while the refetch the first ones started is held.
    const during = late.map((token) => verifier.verify(token));
    held.release();
    await settleAll([]);
    expect((await Promise.allSettled([...early, ...during])).every((result) => result.status === 'rejected')).toBe(true);
    expect(issuer.requests.jwks).toBe(2);

    // Unknown kids have their own budget (so forged signatures never hold back a new kid's lookup): one fetch,
    // then, within the cooldown, neither kind starts another.
    await settleAll([...(await randomKids(1)), ...(await forged())]);
    expect(issuer.requests.jwks).toBe(3);
    clock.advance(COOLDOWN / 2);
    await settleAll([...(await randomKids(2)), ...(await forged())]);
    expect(issuer.requests.jwks).toBe(3);
    await verifier.verify(valid);
  });

  it('a flood makes at most one JWKS request per cooldown window, while valid tokens verify without fetches', async () => {
    const clock = fakeClock();
    const start = clock.now();
    const verifier = verifierWith(clock);
    const valid = await issuer.sign({}, { now: clock.seconds(), expiresIn: 3600 });
    await verifier.verify(valid);

    // Window k starts at start + (k + 1) * cooldown, when the keys in hand are a cooldown old; floods at
    // its start, in its middle and 1 ms before its end.
    for (let window = 0; window < 4; window += 1) {
      for (const offset of [0, 5000, 9999]) {
        clock.advance((start + (window + 1) * COOLDOWN * 1000 + offset - clock.now()) / 1000);
        const forged = await Promise.all(Array.from({ length: 30 }, async () => tamperSignature(await issuer.sign({}, { now: clock.seconds() }))));
        const results = await Promise.allSettled([...forged.map((token) => verifier.verify(token)), verifier.verify(valid)]);
        expect(results.at(-1)!.status).toBe('fulfilled');
        for (const result of results.slice(0, -1)) await expectOutcome(replay(result), invalidToken('signature'));
        expect(issuer.requests.jwks, `window ${window}, +${offset} ms`).toBe(2 + window);
      }
    }
    expect(issuer.requests.discovery).toBe(1);
  });

  it('right after a fetch: no refetch, and the same forged token is answered from the rejection cache: one signature check', async () => {
    const clock = fakeClock();
    const verifier = verifierWith(clock);
    await verifier.verify(await issuer.sign({}, { now: clock.seconds() }));
    const forged = tamperSignature(await issuer.sign({}, { now: clock.seconds() }));
    const checks = signatureChecks();
    for (let i = 0; i < 5; i += 1) expect((await tokenRefusal(verifier.verify(forged))).reason).toBe('signature');
    expect(checks).toHaveBeenCalledTimes(1);
    expect(issuer.requests.jwks).toBe(1);
  });

  it('while the JWKS endpoint fails, a signature failure is 503 like an unknown kid: the replacement key may be what cannot be fetched', async () => {
    const clock = fakeClock();
    const verifier = verifierWith(clock);
    await verifier.verify(await issuer.sign({}, { now: clock.seconds() }));
    issuer.setFault({ kind: 'error', status: 500 }, 'jwks');
    clock.advance(COOLDOWN);
    const forged = tamperSignature(await issuer.sign({}, { now: clock.seconds(), expiresIn: 3600 }));
    await expectOutcome(verifier.verify(forged), unavailable(COOLDOWN));
    expect(issuer.requests.jwks).toBe(2);
    // Once the endpoint answers again (after the cooldown) the refetch decides: a plain 401.
    issuer.setFault(null);
    clock.advance(COOLDOWN);
    await expectOutcome(verifier.verify(forged), invalidToken('signature'));
    expect(issuer.requests.jwks).toBe(3);
  });
});

describe('the rejection cache and a key replaced behind its kid', () => {
  it('a signature refusal decided by young keys (no refetch allowed) is remembered only until they are a cooldown old', async () => {
    const clock = fakeClock();
    const verifier = verifierWith(clock);
    const old = issuer.keys[0]!;
    await verifier.verify(await signWith(old, old.kid, clock));

    // The issuer replaces the key right after our fetch; its first token meets young keys: 401.
    clock.advance(1);
    const replacement = await replaceKey(old);
    const token = await signWith(replacement, old.kid, clock, { sub: 'after-cooldown', exp: clock.seconds() + 3600 });
    const checks = signatureChecks();
    expect((await tokenRefusal(verifier.verify(token))).reason).toBe('signature');
    expect((await tokenRefusal(verifier.verify(token))).reason).toBe('signature');
    expect(checks).toHaveBeenCalledTimes(1); // the second answer came from the rejection cache
    expect(issuer.requests.jwks).toBe(1);

    // Once the keys are a cooldown old, the same token earns its refetch instead of the remembered refusal.
    clock.advance(COOLDOWN - 1);
    expect((await verifier.verify(token)).subject).toBe('after-cooldown');
    expect(issuer.requests.jwks).toBe(2);
  });
});

/** A settled verification as a promise again, for {@link expectOutcome}. */
function replay<T>(result: PromiseSettledResult<T>): Promise<T> {
  return result.status === 'fulfilled' ? Promise.resolve(result.value) : Promise.reject(result.reason as Error);
}
