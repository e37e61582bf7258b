// createTokenClient against the test issuer's token endpoint: authentication, discovery, caching, renewal, single flight.
import { decodeJwt } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestIssuer } from '@tollgate/testing';
import { createTokenClient, TokenRequestError } from '../src/index.js';
import { adminClient, manualClock, recordEvents, settle, startIssuer, type Fixture } from './support.js';

let fx: Fixture;
beforeAll(async () => {
  fx = await startIssuer();
});
afterEach(() => {
  fx.issuer.setFault(null);
  fx.issuer.resetRequests();
});
afterAll(async () => {
  await fx?.issuer.close();
});

describe('client authentication', () => {
  it('client_secret_basic is the default, with an id and secret form-urlencoded before Basic (RFC 6749 section 2.3.1)', async () => {
    const client = adminClient(fx.issuer, { scopes: ['orders:read'] });
    const details = await client.getTokenDetails();
    expect(details.scope).toBe('orders:read');
    expect(decodeJwt(details.accessToken)).toMatchObject({ client_id: 'admin app', scope: 'orders:read' });
  });

  it('client_secret_post', async () => {
    const client = createTokenClient({
      tokenEndpoint: fx.issuer.tokenEndpoint,
      clientId: 'reader',
      auth: { method: 'client_secret_post', secret: 'reader-secret' },
      allowInsecureRequests: true,
    });
    expect(decodeJwt(await client.getToken())).toMatchObject({ client_id: 'reader', scope: 'orders:read' });
  });

  it('private_key_jwt: a fresh assertion per request (the endpoint refuses a replayed jti)', async () => {
    const client = createTokenClient({
      tokenEndpoint: fx.issuer.tokenEndpoint,
      clientId: 'service',
      auth: { method: 'private_key_jwt', key: { key: fx.serviceKey.privateKey, kid: fx.serviceKey.kid, alg: 'ES256' } },
      allowInsecureRequests: true,
    });
    expect(decodeJwt(await client.getToken())).toMatchObject({ client_id: 'service' });
    client.clear();
    expect(decodeJwt(await client.getToken())).toMatchObject({ client_id: 'service' });
    expect(fx.issuer.requests.token).toBe(2);
  });
});

describe('discovery', () => {
  it('finds the token endpoint in the issuer metadata, once', async () => {
    const client = createTokenClient({ issuer: fx.issuer.issuer, clientId: 'admin app', auth: { secret: 'p@ss:w rd+%' }, allowInsecureRequests: true });
    expect(await client.tokenEndpoint()).toBe(fx.issuer.tokenEndpoint);
    await client.getToken();
    client.clear();
    await client.getToken();
    expect(fx.issuer.requests.discovery).toBe(1);
  });

  it('falls back to OpenID discovery, and refuses metadata naming another issuer', async () => {
    const oidcOnly = await createTestIssuer({ algorithms: ['ES256'], discovery: 'oidc', clients: [{ clientId: 'c', clientSecret: 's', scopes: ['a'] }] });
    const mixedUp = await createTestIssuer({ algorithms: ['ES256'], advertisedIssuer: 'https://evil.example', clients: [{ clientId: 'c', clientSecret: 's', scopes: ['a'] }] });
    try {
      const found = createTokenClient({ issuer: oidcOnly.issuer, clientId: 'c', auth: { secret: 's' }, allowInsecureRequests: true });
      expect(decodeJwt(await found.getToken())).toMatchObject({ client_id: 'c' });
      const refused = createTokenClient({ issuer: mixedUp.issuer, clientId: 'c', auth: { secret: 's' }, allowInsecureRequests: true });
      const error = await refused.getToken().catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(TokenRequestError);
      expect(error).toMatchObject({ failure: 'discovery' });
      expect((error as Error).message).toMatch(/RFC 8414 section 3\.3/);
      expect(mixedUp.requests.token).toBe(0);
    } finally {
      await oidcOnly.close();
      await mixedUp.close();
    }
  });
});

describe('caching and renewal', () => {
  it('reuses the token until its renewal point (between 80 % and 90 % of its life, jittered per token)', async () => {
    const points = new Set<number>();
    for (let i = 0; i < 5; i++) {
      const clock = manualClock();
      const start = clock.now();
      const details = await adminClient(fx.issuer, { now: clock.now }).getTokenDetails();
      const share = (details.renewAt - start) / 300_000;
      expect(share).toBeGreaterThanOrEqual(0.8);
      expect(share).toBeLessThanOrEqual(0.9);
      points.add(details.renewAt - start);
    }
    expect(points.size).toBeGreaterThan(1);
  });

  it('renewBefore moves the renewal point of a long token earlier, never before half its lifetime', async () => {
    const clock = manualClock();
    const start = clock.now();
    const long = await adminClient(fx.issuer, { now: clock.now, renewJitter: 0, renewBefore: '2m' }).getTokenDetails();
    expect(long.renewAt - start).toBe(180_000);
    const short = await createTokenClient({ tokenEndpoint: fx.issuer.tokenEndpoint, clientId: 'short', auth: { secret: 'short-secret' }, allowInsecureRequests: true, now: clock.now, renewBefore: '2m' }).getTokenDetails();
    expect(short.renewAt - start).toBe(30_000);
  });

  it('a burst of 1,000 concurrent getToken() calls makes exactly one request', async () => {
    const client = adminClient(fx.issuer);
    const tokens = await Promise.all(Array.from({ length: 1000 }, () => client.getToken()));
    expect(new Set(tokens).size).toBe(1);
    expect(fx.issuer.requests.token).toBe(1);
  });

  it('past the renewal point the cached token is served at once while one background renewal runs', async () => {
    const clock = manualClock();
    const recorder = recordEvents();
    try {
      const client = adminClient(fx.issuer, { now: clock.now, renewJitter: 0 });
      const first = await client.getToken();
      clock.advance(255);
      const during = await Promise.all(Array.from({ length: 50 }, () => client.getToken()));
      expect(new Set(during)).toEqual(new Set([first]));
      await settle(100);
      expect(fx.issuer.requests.token).toBe(2);
      const second = await client.getToken();
      expect(second).not.toBe(first);
      expect(recorder.events.map((event) => event.type)).toEqual(['fetched', 'renewed']);
      expect(JSON.stringify(recorder.events)).not.toContain(first);
      expect(JSON.stringify(recorder.events)).not.toContain('p@ss');
    } finally {
      recorder.stop();
    }
  });

  it('server down during a renewal: the cached token keeps serving until it expires, then a clear error', async () => {
    const clock = manualClock();
    const recorder = recordEvents();
    try {
      const client = adminClient(fx.issuer, { now: clock.now, retries: 0, breaker: false });
      const first = await client.getToken();
      fx.issuer.setFault({ kind: 'down' }, 'token');
      clock.advance(280);
      expect(await client.getToken()).toBe(first);
      await settle(100);
      expect(recorder.events.at(-1)).toMatchObject({ type: 'failed', background: true, error: 'request_failed' });
      clock.advance(14);
      // 294 s: still before 300 s minus the 5 s margin.
      expect(await client.getToken()).toBe(first);
      clock.advance(1.5);
      await expect(client.getToken()).rejects.toMatchObject({ failure: 'unavailable', error: 'request_failed' });
      fx.issuer.setFault(null);
      expect(await client.getToken()).not.toBe(first);
    } finally {
      recorder.stop();
    }
  });

  it('never hands out a token past its expiry minus the margin, even when renewal never ran', async () => {
    const clock = manualClock();
    const client = createTokenClient({ tokenEndpoint: fx.issuer.tokenEndpoint, clientId: 'short', auth: { secret: 'short-secret' }, allowInsecureRequests: true, now: clock.now });
    const details = await client.getTokenDetails();
    // 60 s token: the margin is 5 s (at most a tenth of the lifetime).
    expect(details.expiresAt - clock.now()).toBeLessThanOrEqual(55_000);
    clock.advance(56);
    const next = await client.getTokenDetails();
    expect(next.accessToken).not.toBe(details.accessToken);
  });

  it.each([
    ['ahead', 3600],
    ['behind', -3600],
  ])('a client clock an hour %s of the server changes nothing: the lifetime counts from when the request was sent', async (_, skew) => {
    const clock = manualClock(Date.now() + skew * 1000);
    const client = adminClient(fx.issuer, { now: clock.now, renewJitter: 0 });
    const start = clock.now();
    const details = await client.getTokenDetails();
    expect(details.renewAt - start).toBeCloseTo(255_000, -3);
    expect(details.expiresAt - start).toBeCloseTo(295_000, -3);
    clock.advance(200);
    expect(await client.getToken()).toBe(details.accessToken);
    expect(fx.issuer.requests.token).toBe(1);
  });

  it('a private_key_jwt client with a skewed clock still signs assertions with the real time', async () => {
    const clock = manualClock(Date.now() - 7200_000);
    const client = createTokenClient({
      tokenEndpoint: fx.issuer.tokenEndpoint,
      clientId: 'service',
      auth: { method: 'private_key_jwt', key: { key: fx.serviceKey.privateKey, kid: fx.serviceKey.kid, alg: 'ES256' } },
      allowInsecureRequests: true,
      now: clock.now,
    });
    expect(decodeJwt(await client.getToken())).toMatchObject({ client_id: 'service' });
  });

  it('one cache entry per (scopes, resource), whatever their order; per-call overrides; a bounded number of entries', async () => {
    const client = adminClient(fx.issuer, { scopes: ['orders:read'], maxEntries: 2 });
    const read = await client.getToken();
    const both = await client.getToken({ scopes: ['orders:write', 'orders:read'] });
    expect(await client.getToken({ scopes: 'orders:read orders:write' })).toBe(both);
    expect(await client.getToken()).toBe(read);
    expect(String(decodeJwt(both).scope).split(' ').sort()).toEqual(['orders:read', 'orders:write']);
    expect(fx.issuer.requests.token).toBe(2);
    // A third entry evicts the oldest non-default one; the default entry stays.
    await client.getToken({ scopes: ['orders:write'] });
    expect(await client.getToken()).toBe(read);
    await client.getToken({ scopes: ['orders:read', 'orders:write'] });
    expect(fx.issuer.requests.token).toBe(4);
    await expect(client.getToken({ scopes: ['bad"scope'] })).rejects.toThrow(/getToken: scopes/);
    await expect(client.getToken({ resource: 'not a uri' })).rejects.toThrow(/getToken: resource/);
  });
});
