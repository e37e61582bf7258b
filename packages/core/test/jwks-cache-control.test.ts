// The JWKS and discovery responses' caching headers (Cache-Control max-age, no-store, no-cache, Age, Expires)
// set how long keys are fresh, held within jwks.cacheControl's bounds; the cooldown still bounds fetches.
// Real HTTP from the test issuer; the verifier's clock is injected.
import type { TestIssuer } from '@tollgate/testing';
import { describe, expect, it } from 'vitest';
import { createVerifier, TollgateConfigError, type JwksOptions, type VerifierOptions } from '../src/index.js';
import { eventually, fakeClock, useIssuer } from './support/jwks-support.js';

let issuer: TestIssuer;
useIssuer({ algorithms: ['ES256'] }, (started) => (issuer = started), (current) => current.setResponseHeaders(null));

/**
 * Whether keys fetched at t0 are fetched again (in the background) by a request `seconds` later: a fresh
 * verifier fetches once, the clock moves, one more token is verified, and the JWKS requests are counted.
 */
async function refetchedAfter(seconds: number, jwks: JwksOptions = {}, more: Partial<VerifierOptions> = {}): Promise<boolean> {
  const clock = fakeClock();
  const verifier = createVerifier({
    issuer: issuer.issuer,
    audience: issuer.audience,
    jwksUri: issuer.jwksUri,
    allowInsecureRequests: true,
    now: clock.now,
    jwks,
    ...more,
  });
  issuer.resetRequests();
  await verifier.verify(await issuer.sign({}, { now: clock.seconds() }));
  expect(issuer.requests.jwks).toBe(1);
  clock.advance(seconds);
  await verifier.verify(await issuer.sign({}, { now: clock.seconds(), expiresIn: 86_400 }));
  // A refresh of keys in hand runs in the background: give it time to reach the issuer (loopback).
  return eventually(() => issuer.requests.jwks > 1, 300);
}

describe('Cache-Control of the JWKS response', () => {
  it('without caching headers, keys are fresh for cacheMaxAge (default 10 minutes)', async () => {
    expect(await refetchedAfter(590)).toBe(false);
    expect(await refetchedAfter(610)).toBe(true);
  });

  it('max-age shorter than cacheMaxAge: keys are refreshed after max-age', async () => {
    issuer.setResponseHeaders({ 'cache-control': 'public, max-age=120' }, 'jwks');
    expect(await refetchedAfter(110)).toBe(false);
    expect(await refetchedAfter(130)).toBe(true);
  });

  it('max-age longer than cacheMaxAge: by default keys are not kept past cacheMaxAge; a max that is set lets it count', async () => {
    issuer.setResponseHeaders({ 'cache-control': 'max-age=31536000' }, 'jwks');
    expect(await refetchedAfter(590)).toBe(false);
    expect(await refetchedAfter(610)).toBe(true);
    expect(await refetchedAfter(20_000, { cacheControl: { max: '1d' } })).toBe(false);
    expect(await refetchedAfter(86_410, { cacheControl: { max: '1d' } })).toBe(true);
  });

  it('max-age=0, no-store and no-cache cannot make every request a fetch: min (default 1 minute) holds', async () => {
    for (const cacheControl of ['max-age=0', 'no-store', 'no-cache, max-age=3600', 'max-age=60, max-age=600', 'max-age=soon']) {
      issuer.setResponseHeaders({ 'cache-control': cacheControl }, 'jwks');
      expect(await refetchedAfter(50), cacheControl).toBe(false);
      expect(await refetchedAfter(70), cacheControl).toBe(true);
    }
  });

  it('with min 0, max-age=0 still costs at most one fetch per cooldown', async () => {
    issuer.setResponseHeaders({ 'cache-control': 'no-store' }, 'jwks');
    const jwks = { cacheControl: { min: 0 }, cooldown: '30s' } as const;
    expect(await refetchedAfter(20, jwks)).toBe(false);
    expect(await refetchedAfter(31, jwks)).toBe(true);
  });

  it('subtracts Age from max-age', async () => {
    issuer.setResponseHeaders({ 'cache-control': 'max-age=600', age: '480' }, 'jwks');
    expect(await refetchedAfter(110)).toBe(false);
    expect(await refetchedAfter(130)).toBe(true);
  });

  it('reads Expires against the response Date when there is no max-age', async () => {
    const date = new Date(Date.now() - 3_600_000); // a server clock an hour behind: only Expires - Date counts
    issuer.setResponseHeaders({ date: date.toUTCString(), expires: new Date(date.getTime() + 120_000).toUTCString() }, 'jwks');
    expect(await refetchedAfter(110)).toBe(false);
    expect(await refetchedAfter(130)).toBe(true);
    issuer.setResponseHeaders({ expires: '0' }, 'jwks'); // not a date: already expired (RFC 9111 section 5.3)
    expect(await refetchedAfter(70)).toBe(true);
  });

  it('cacheControl: false ignores the headers: cacheMaxAge it is', async () => {
    issuer.setResponseHeaders({ 'cache-control': 'max-age=120' }, 'jwks');
    expect(await refetchedAfter(130, { cacheControl: false })).toBe(false);
    issuer.setResponseHeaders({ 'cache-control': 'max-age=31536000' }, 'jwks');
    expect(await refetchedAfter(610, { cacheControl: false })).toBe(true);
  });
});

describe('Cache-Control of the discovery response', () => {
  it('metadata fresh for an hour is not read again when the keys are refreshed after 10 minutes', async () => {
    issuer.setResponseHeaders({ 'cache-control': 'max-age=3600' }, 'discovery');
    const discovered = { jwksUri: undefined } as unknown as Partial<VerifierOptions>;
    expect(await refetchedAfter(610, { cacheControl: { max: '1h' } }, discovered)).toBe(true);
    expect(issuer.requests.discovery).toBe(1);
  });

  it('metadata marked no-store is read again with the next refresh of the keys', async () => {
    issuer.setResponseHeaders({ 'cache-control': 'no-store' }, 'discovery');
    const discovered = { jwksUri: undefined } as unknown as Partial<VerifierOptions>;
    expect(await refetchedAfter(610, {}, discovered)).toBe(true);
    expect(issuer.requests.discovery).toBe(2);
  });
});

describe('jwks.cacheControl options', () => {
  const base = () => ({ issuer: issuer.issuer, audience: issuer.audience, allowInsecureRequests: true });
  const refused = (jwks: unknown) => {
    try {
      createVerifier({ ...base(), jwks: jwks as JwksOptions });
    } catch (error) {
      expect(error).toBeInstanceOf(TollgateConfigError);
      return (error as Error).message;
    }
    throw new Error('expected a TollgateConfigError');
  };

  it('resolves the defaults around cacheMaxAge', () => {
    expect(createVerifier(base()).options.jwks.cacheControl).toEqual({ min: 60, max: 600 });
    expect(createVerifier({ ...base(), jwks: { cacheMaxAge: '2h' } }).options.jwks.cacheControl).toEqual({ min: 60, max: 7200 });
    expect(createVerifier({ ...base(), jwks: { cacheMaxAge: 30 } }).options.jwks.cacheControl).toEqual({ min: 30, max: 30 });
    expect(createVerifier({ ...base(), jwks: { cacheControl: true } }).options.jwks.cacheControl).toEqual({ min: 60, max: 600 });
    expect(createVerifier({ ...base(), jwks: { cacheControl: false } }).options.jwks.cacheControl).toBe(false);
  });

  it('refuses bounds that contradict each other or cacheMaxAge, and values of the wrong type', () => {
    expect(refused({ cacheControl: { min: '2h', max: '1h' } })).toMatch(/jwks.cacheControl: min is over max/);
    expect(refused({ cacheControl: { max: '5m' } })).toMatch(/jwks.cacheControl: cacheMaxAge \(600 s, used when a response has no caching headers\) must lie within min \(60 s\) and max \(300 s\)/);
    expect(refused({ cacheMaxAge: '10s', cacheControl: { min: '1m' } })).toMatch(/must lie within min \(60 s\)/);
    expect(refused({ cacheControl: 'yes' })).toMatch(/jwks.cacheControl: expected true, false or \{ min\?, max\? \}/);
    expect(refused({ cacheControl: { minimum: '1m' } })).toMatch(/jwks.cacheControl/);
    expect(refused({ cacheControl: { min: -1 } })).toMatch(/jwks.cacheControl/);
  });
});
