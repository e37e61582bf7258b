// Key rotation and retirement: no window of 401s for new keys, removed keys stop verifying once a
// refetch after cacheMaxAge shows them gone (verified-token cache included), and the unknown-kid cooldown.
import { describe, expect, it, vi } from 'vitest';
import type { TestIssuer } from '@tollgate/testing';
import { createVerifier, InvalidTokenError, type JwksOptions, type Verifier } from '../src/index.js';
import { type FakeClock, fakeClock, heldJwksFetch, jwksFetches, rejectionOf, useIssuer } from './support/jwks-support.js';

let issuer: TestIssuer;
// Each test starts with only the two original keys published.
useIssuer({ algorithms: ['ES256', 'RS256'] }, (started) => (issuer = started), (current) => {
  for (const key of current.keys) key.published = key === current.keys[0] || key === current.keys[1];
});

function verifierWith(clock: FakeClock, jwks: JwksOptions = {}): Verifier {
  return createVerifier({
    issuer: issuer.issuer,
    audience: issuer.audience,
    allowInsecureRequests: true,
    now: clock.now,
    jwks: { cacheMaxAge: 60, cooldown: 30, staleIfError: 3600, ...jwks },
  });
}

async function expectUnknownKey(promise: Promise<unknown>): Promise<void> {
  const error = await rejectionOf(promise);
  expect(error).toBeInstanceOf(InvalidTokenError);
  expect((error as InvalidTokenError).reason).toBe('unknown_key');
  expect((error as InvalidTokenError).message).toBe('unknown signing key');
  expect((error as InvalidTokenError).status).toBe(401);
}

describe('a newly published key', () => {
  it('verifies on its first request 1 second after the last fetch, with exactly one extra JWKS request', async () => {
    const clock = fakeClock();
    const verifier = verifierWith(clock);
    await verifier.verify(await issuer.sign({}, { now: clock.seconds() }));
    expect(issuer.requests.jwks).toBe(1);

    clock.advance(1);
    const rotated = await issuer.rotate({ alg: 'ES256' });
    const token = await issuer.sign({ sub: 'after-rotation' }, { kid: rotated.kid, now: clock.seconds() });
    const verified = await verifier.verify(token);

    expect(verified.subject).toBe('after-rotation');
    expect(verified.header.kid).toBe(rotated.kid);
    expect(issuer.requests.jwks).toBe(2);

    // Further tokens of the new key and of the old key need no more fetches.
    await verifier.verify(await issuer.sign({}, { kid: rotated.kid, now: clock.seconds() }));
    await verifier.verify(await issuer.sign({}, { kid: issuer.keys[0]!.kid, now: clock.seconds() }));
    expect(issuer.requests.jwks).toBe(2);
    expect(issuer.requests.discovery).toBe(1);
  });

  it('verifies on its first request even right after a refetch for another reason (two rotations 1 second apart)', async () => {
    const clock = fakeClock();
    const verifier = verifierWith(clock);
    await verifier.verify(await issuer.sign({}, { now: clock.seconds() }));

    clock.advance(1);
    const first = await issuer.rotate({ alg: 'ES256' });
    await verifier.verify(await issuer.sign({}, { kid: first.kid, now: clock.seconds() }));
    clock.advance(1);
    const second = await issuer.rotate({ alg: 'ES256' });
    await verifier.verify(await issuer.sign({}, { kid: second.kid, now: clock.seconds() }));

    expect(issuer.requests.jwks).toBe(3);
  });
});

describe('a key published while a refetch is in flight', () => {
  it('verifies on its first request: a fetch that began before the token arrived is not trusted to know its kid', async () => {
    const clock = fakeClock();
    // Holds JWKS responses after the issuer answered, as network latency would.
    const latency = heldJwksFetch();
    const verifier = createVerifier({
      issuer: issuer.issuer,
      audience: issuer.audience,
      allowInsecureRequests: true,
      now: clock.now,
      fetch: latency.fetch,
      jwks: { cacheMaxAge: 60, cooldown: 30 },
    });
    await verifier.verify(await issuer.sign({}, { now: clock.seconds() }));
    expect(issuer.requests.jwks).toBe(1);

    // The keys expire; a request with the old key starts a refetch whose answer is held back.
    clock.advance(61);
    latency.hold();
    const oldKeyRequest = verifier.verify(await issuer.sign({}, { now: clock.seconds() }));
    await vi.waitFor(() => expect(issuer.requests.jwks).toBe(2));

    // A key is published after that refetch was answered, and its first token arrives meanwhile.
    clock.advance(0.1);
    const rotated = await issuer.rotate({ alg: 'ES256' });
    const newKeyRequest = verifier.verify(await issuer.sign({ sub: 'new-key' }, { kid: rotated.kid, now: clock.seconds() }));
    latency.release();

    await expect(oldKeyRequest).resolves.toMatchObject({ subject: 'client-123' });
    await expect(newKeyRequest).resolves.toMatchObject({ subject: 'new-key' });
    expect(issuer.requests.jwks).toBe(3);
  });
});

describe('a retired key', () => {
  it('keeps verifying until a refresh after cacheMaxAge shows it gone, then fails with unknown signing key, cached token included', async () => {
    const clock = fakeClock();
    const verifier = verifierWith(clock, { cacheMaxAge: 60 });
    const fetches = jwksFetches();
    const kid = issuer.keys[0]!.kid;
    const cached = await issuer.sign({ sub: 'cached' }, { kid, now: clock.seconds(), expiresIn: 3600 });
    expect((await verifier.verify(cached)).subject).toBe('cached');
    expect(issuer.requests.jwks).toBe(1);

    issuer.retire(kid);
    clock.advance(59);
    // Still within cacheMaxAge: the verified-token cache and a token never seen before both pass without a fetch.
    expect((await verifier.verify(cached)).subject).toBe('cached');
    const fresh = await issuer.sign({ sub: 'fresh' }, { kid, now: clock.seconds(), expiresIn: 3600 });
    expect((await verifier.verify(fresh)).subject).toBe('fresh');
    expect(issuer.requests.jwks).toBe(1);

    clock.advance(2); // 61 s after the fetch
    // Past cacheMaxAge the keys in hand still answer while they are refreshed in the background.
    expect((await verifier.verify(cached)).subject).toBe('cached');
    await fetches.settled(2);
    // The refresh shows the key gone: the cached verification is redone, and its kid is looked up once
    // more (that refresh began before this request: it is not proof for it), which starts the cooldown.
    await expectUnknownKey(verifier.verify(cached));
    expect(issuer.requests.jwks).toBe(3);
    await expectUnknownKey(verifier.verify(fresh));
    await expectUnknownKey(verifier.verify(cached));
    expect(issuer.requests.jwks).toBe(3);

    // The key still published keeps working.
    const other = await issuer.sign({}, { kid: issuer.keys[1]!.kid, now: clock.seconds() });
    await verifier.verify(other);
    expect(issuer.requests.jwks).toBe(3);
  });

  it('stops verifying from the verified-token cache as soon as any refetch shows the key set changed', async () => {
    const clock = fakeClock();
    const verifier = verifierWith(clock, { cacheMaxAge: 600 });
    const kid = issuer.keys[0]!.kid;
    const cached = await issuer.sign({}, { kid, now: clock.seconds(), expiresIn: 3600 });
    await verifier.verify(cached);

    issuer.retire(kid);
    clock.advance(10);
    // A token with a kid the cache does not know forces a refetch well within cacheMaxAge.
    const rotated = await issuer.rotate({ alg: 'ES256' });
    await verifier.verify(await issuer.sign({}, { kid: rotated.kid, now: clock.seconds() }));
    expect(issuer.requests.jwks).toBe(2);

    // The cached verification is not reused: the kid is looked up (one refetch that misses) and refused.
    await expectUnknownKey(verifier.verify(cached));
    expect(issuer.requests.jwks).toBe(3);
    await expectUnknownKey(verifier.verify(cached));
    expect(issuer.requests.jwks).toBe(3);
  });

  it('a cached token starts a background refresh once cacheMaxAge passes, and still verifies while its key is published', async () => {
    const clock = fakeClock();
    const verifier = verifierWith(clock, { cacheMaxAge: 60 });
    const fetches = jwksFetches();
    const cached = await issuer.sign({}, { now: clock.seconds(), expiresIn: 3600 });
    const first = await verifier.verify(cached);

    clock.advance(61);
    expect(await verifier.verify(cached)).toBe(first);
    await fetches.settled(2);
    expect(issuer.requests.jwks).toBe(2);
    // The refresh found the same keys: the cached verification stands.
    expect(await verifier.verify(cached)).toBe(first);
    expect(issuer.requests.jwks).toBe(2);
  });
});

describe('the unknown-kid cooldown', () => {
  it('rejects an unknown kid within the cooldown after a failed lookup without a fetch, and refetches after it', async () => {
    const clock = fakeClock();
    const verifier = verifierWith(clock, { cooldown: 30, cacheMaxAge: 600 });
    const known = await issuer.sign({}, { now: clock.seconds(), expiresIn: 3600 });
    await verifier.verify(known);
    expect(issuer.requests.jwks).toBe(1);

    clock.advance(1);
    const pending = await issuer.rotate({ alg: 'ES256', publish: false });
    const token = await issuer.sign({ sub: 'late-key' }, { kid: pending.kid, now: clock.seconds(), expiresIn: 3600 });
    await expectUnknownKey(verifier.verify(token));
    expect(issuer.requests.jwks).toBe(2); // the refetch that missed starts the cooldown

    issuer.publish(pending.kid);
    clock.advance(29); // 29 s into the 30 s cooldown
    await expectUnknownKey(verifier.verify(token));
    const otherUnknown = await issuer.sign({}, { header: { kid: 'never-published' }, now: clock.seconds() });
    await expectUnknownKey(verifier.verify(otherUnknown));
    expect(issuer.requests.jwks).toBe(2);
    // Known keys are unaffected by the cooldown.
    await verifier.verify(known);
    expect(issuer.requests.jwks).toBe(2);

    clock.advance(1.001); // just past the cooldown
    expect((await verifier.verify(token)).subject).toBe('late-key');
    expect(issuer.requests.jwks).toBe(3);
  });

  it('after the cooldown a still-unknown kid refetches once and starts a new cooldown', async () => {
    const clock = fakeClock();
    const verifier = verifierWith(clock, { cooldown: 30, cacheMaxAge: 600 });
    await verifier.verify(await issuer.sign({}, { now: clock.seconds(), expiresIn: 3600 }));
    const unknown = await issuer.sign({}, { header: { kid: 'ghost' }, now: clock.seconds(), expiresIn: 3600 });

    await expectUnknownKey(verifier.verify(unknown));
    expect(issuer.requests.jwks).toBe(2);
    clock.advance(31);
    await expectUnknownKey(verifier.verify(unknown));
    expect(issuer.requests.jwks).toBe(3);
    clock.advance(29);
    await expectUnknownKey(verifier.verify(unknown));
    expect(issuer.requests.jwks).toBe(3);
  });
});

describe('cacheMaxAge shorter than the cooldown', () => {
  it('with cacheMaxAge 0 and staleIfError 0: keys are refetched at most once per cooldown, not on every verification', async () => {
    const clock = fakeClock();
    const verifier = verifierWith(clock, { cacheMaxAge: 0, staleIfError: 0 });
    const token = await issuer.sign({ sub: 'uncached' }, { now: clock.seconds() });
    for (let i = 0; i < 20; i += 1) expect((await verifier.verify(token)).subject).toBe('uncached');
    expect(issuer.requests.jwks).toBe(1);
    clock.advance(30);
    expect((await verifier.verify(token)).subject).toBe('uncached');
    expect(issuer.requests.jwks).toBe(2);
  });

  it('with cacheMaxAge 0 and staleIfError 30: one background refetch per cooldown, every verification served at once', async () => {
    const clock = fakeClock();
    const verifier = verifierWith(clock, { cacheMaxAge: 0, staleIfError: 30 });
    const fetches = jwksFetches();
    const token = await issuer.sign({ sub: 'uncached' }, { now: clock.seconds() });
    for (let i = 0; i < 20; i += 1) expect((await verifier.verify(token)).subject).toBe('uncached');
    expect(issuer.requests.jwks).toBe(1);
    clock.advance(30);
    expect((await verifier.verify(token)).subject).toBe('uncached');
    await fetches.settled(2);
    expect(issuer.requests.jwks).toBe(2);
  });
});
