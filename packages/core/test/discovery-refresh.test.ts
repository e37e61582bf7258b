// Discovery is not read once per process: the metadata is re-read with the keys once it is older than
// cacheMaxAge, and when a fetch from its jwks_uri fails, inside the same single flight and cooldown. An
// issuer that moves its jwks_uri (and rotates its key) is followed without a restart.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestIssuer, type TestIssuer } from '@tollgate/testing';
import { createVerifier, type Verifier } from '../src/index.js';
import { expectOutcome, invalidToken, VERIFIES } from './support/expect-outcome.js';
import { type FakeClock, fakeClock, startServer, type LocalServer } from './support/jwks-support.js';

const CACHE_MAX_AGE = 60;
const COOLDOWN = 10;

// The issuer's metadata lives on its own server; its jwks_uri points at one of two key servers.
let metadata: LocalServer;
let jwksUri = '';
let before: TestIssuer;
let after: TestIssuer;
const WELL_KNOWN = ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration'];

beforeAll(async () => {
  metadata = await startServer((req, res) => {
    if (!WELL_KNOWN.includes(req.url ?? '')) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ issuer: metadata.origin, jwks_uri: jwksUri }));
  });
  [before, after] = await Promise.all([createTestIssuer({ algorithms: ['ES256'] }), createTestIssuer({ algorithms: ['ES256'] })]);
});
afterAll(async () => {
  await Promise.all([metadata.close(), before.close(), after.close()]);
});
afterEach(() => {
  metadata.requests.length = 0;
  for (const server of [before, after]) {
    server.setFault(null);
    server.resetRequests();
  }
});

function verifierWith(clock: FakeClock): Verifier {
  jwksUri = before.jwksUri;
  return createVerifier({
    issuer: metadata.origin,
    audience: before.audience,
    allowInsecureRequests: true,
    now: clock.now,
    jwks: { cacheMaxAge: CACHE_MAX_AGE, cooldown: COOLDOWN, staleIfError: 3600 },
  });
}

/** A token of `keys`' key, issued by the metadata server's issuer. */
const tokenOf = (keys: TestIssuer, clock: FakeClock, sub = 'user') => keys.sign({ iss: metadata.origin, sub }, { now: clock.seconds(), expiresIn: 86_400 });

describe('an issuer that moves its jwks_uri to a new server with a new key', () => {
  it('is followed once the metadata is older than cacheMaxAge: the new key verifies, the old one is refused', async () => {
    const clock = fakeClock();
    const verifier = verifierWith(clock);
    const old = await tokenOf(before, clock, 'old');
    await expectOutcome(verifier.verify(old), VERIFIES);
    expect([metadata.requests.length, before.requests.jwks]).toEqual([1, 1]);

    jwksUri = after.jwksUri;
    clock.advance(1);
    const moved = await tokenOf(after, clock, 'moved');
    // Within cacheMaxAge the jwks_uri in hand is used (it still answers): the unknown kid is looked up there.
    await expectOutcome(verifier.verify(moved), invalidToken('unknown_key'), 'within cacheMaxAge');
    expect([metadata.requests.length, before.requests.jwks, after.requests.jwks]).toEqual([1, 2, 0]);

    clock.advance(CACHE_MAX_AGE);
    const verified = await verifier.verify(moved);
    expect(verified.subject).toBe('moved');
    // One flight: the metadata re-read, then the JWKS at its new jwks_uri.
    expect([metadata.requests.length, before.requests.jwks, after.requests.jwks]).toEqual([2, 2, 1]);

    await expectOutcome(verifier.verify(old), invalidToken('unknown_key'), 'the old key, after the move');
    expect(before.requests.jwks).toBe(2);
    // Unknown-kid refetches within cacheMaxAge never re-read the metadata.
    expect(metadata.requests.length).toBe(2);
  });

  it('is followed at once when the old jwks_uri stops answering: the failed fetch re-reads the metadata in the same flight', async () => {
    const clock = fakeClock();
    const verifier = verifierWith(clock);
    await verifier.verify(await tokenOf(before, clock));

    jwksUri = after.jwksUri;
    before.setFault({ kind: 'error', status: 404 }, 'jwks');
    clock.advance(1);
    expect((await verifier.verify(await tokenOf(after, clock, 'moved'))).subject).toBe('moved');
    expect([metadata.requests.length, before.requests.jwks, after.requests.jwks]).toEqual([2, 2, 1]);
  });

  it('a failing jwks_uri that the metadata still names is not fetched twice in a flight, and the metadata is re-read at most once per cooldown', async () => {
    const clock = fakeClock();
    const verifier = verifierWith(clock);
    const token = await tokenOf(before, clock);
    await verifier.verify(token);
    before.setFault({ kind: 'error', status: 500 }, 'jwks');
    clock.advance(1);
    const unknown = await before.sign({ iss: metadata.origin }, { header: { kid: 'not-yet-fetched' }, now: clock.seconds() });
    await expect(verifier.verify(unknown)).rejects.toMatchObject({ status: 503 });
    expect([metadata.requests.length, before.requests.jwks]).toEqual([2, 2]);
    clock.advance(COOLDOWN - 1);
    await expect(verifier.verify(unknown)).rejects.toMatchObject({ status: 503 });
    expect([metadata.requests.length, before.requests.jwks]).toEqual([2, 2]);
    // The known key keeps verifying meanwhile.
    await expectOutcome(verifier.verify(token), VERIFIES);
  });
});

describe('a JWKS refresh in the background', () => {
  it('re-reads the metadata too, without making the request wait', async () => {
    const clock = fakeClock();
    const verifier = verifierWith(clock);
    const token = await tokenOf(before, clock);
    await verifier.verify(token);
    clock.advance(CACHE_MAX_AGE + 1);
    await verifier.verify(token);
    await vi.waitFor(() => expect([metadata.requests.length, before.requests.jwks]).toEqual([2, 2]));
  });
});
