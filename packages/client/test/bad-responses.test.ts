// Token responses that are not usable: each a clear invalid_response, and never a cached token.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { IssuerFault } from '@tollgate/testing';
import { TokenRequestError } from '../src/index.js';
import { adminClient, recordEvents, startIssuer, type Fixture } from './support.js';

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

const TOKEN = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln';
const respond = (body: unknown, status = 200): IssuerFault => ({ kind: 'respond', body, status });

describe('a token response that is not usable', () => {
  it.each<[string, IssuerFault, RegExp]>([
    ['oversized, with Content-Length', { kind: 'oversized', bytes: 200_000 }, /larger than maxResponseBytes/],
    ['oversized, chunked', { kind: 'oversized', bytes: 200_000, chunked: true }, /larger than maxResponseBytes/],
    ['not JSON', { kind: 'invalid-json' }, /not a JSON object/],
    ['a JSON array', respond('[1,2]'), /not a JSON object/],
    ['without access_token', respond({ token_type: 'Bearer', expires_in: 300 }), /no access_token/],
    ['with an empty access_token', respond({ access_token: '', token_type: 'Bearer', expires_in: 300 }), /no access_token/],
    ['with an access_token that cannot go in a header', respond({ access_token: 'abc\r\nx-injected: 1', token_type: 'Bearer', expires_in: 300 }), /RFC 6750 section 2.1/],
    ['with expires_in 0', respond({ access_token: TOKEN, token_type: 'Bearer', expires_in: 0 }), /expires_in is 0/],
    ['with a negative expires_in', respond({ access_token: TOKEN, token_type: 'Bearer', expires_in: -60 }), /expires_in is -60/],
    ['with a huge expires_in', respond({ access_token: TOKEN, token_type: 'Bearer', expires_in: 1e12 }), /more than maxExpiresIn/],
    ['with expires_in as a string', respond({ access_token: TOKEN, token_type: 'Bearer', expires_in: '3600' }), /expires_in is a string/],
    ['with expires_in null', respond({ access_token: TOKEN, token_type: 'Bearer', expires_in: null }), /expires_in is a null/],
    ['with token_type DPoP', respond({ access_token: TOKEN, token_type: 'DPoP', expires_in: 300 }), /did not ask for a DPoP-bound token; set the dpop option/],
    ['with token_type mac', respond({ access_token: TOKEN, token_type: 'mac', expires_in: 300 }), /token_type is "mac", not Bearer/],
    ['without token_type', respond({ access_token: TOKEN, expires_in: 300 }), /token_type is missing/],
    ['a 404 HTML page', respond('<html>not found</html>', 404), /HTTP 404 without an RFC 6749 error object/],
    ['a redirect', { kind: 'redirect', location: 'http://127.0.0.1:1/elsewhere' }, /redirect, which is not followed/],
  ])('%s: invalid_response, nothing cached, not retried', async (_, fault, reason) => {
    const recorder = recordEvents();
    try {
      fx.issuer.setFault(fault, 'token');
      const client = adminClient(fx.issuer);
      const error = (await client.getToken().then(() => undefined, (caught: unknown) => caught)) as TokenRequestError;
      expect(error).toBeInstanceOf(TokenRequestError);
      expect(error).toMatchObject({ failure: 'invalid_response', error: 'invalid_response' });
      expect(error.message).toMatch(reason);
      expect(error.message).toContain('nothing was cached');
      expect(fx.issuer.requests.token).toBe(1);
      expect(recorder.events).toEqual([expect.objectContaining({ type: 'failed', error: 'invalid_response', background: false })]);
      // The next call asks again and gets a real token.
      fx.issuer.setFault(null);
      expect(await client.getToken()).not.toBe(TOKEN);
      expect(fx.issuer.requests.token).toBe(2);
    } finally {
      recorder.stop();
    }
  });

  it('token_type is case-insensitive (RFC 6749 section 7.1)', async () => {
    fx.issuer.setFault(respond({ access_token: TOKEN, token_type: 'bearer', expires_in: 300 }), 'token');
    expect(await adminClient(fx.issuer).getToken()).toBe(TOKEN);
  });
});

describe('expires_in absent (RFC 6749 section 5.1: RECOMMENDED, not required)', () => {
  it('assumes defaultExpiresIn (60 s), says so in the event, and renews early', async () => {
    const recorder = recordEvents();
    try {
      fx.issuer.setFault(respond({ access_token: TOKEN, token_type: 'Bearer' }), 'token');
      const details = await adminClient(fx.issuer).getTokenDetails();
      expect(details.accessToken).toBe(TOKEN);
      expect(details.expiresIn).toBe(60);
      expect(recorder.events).toEqual([expect.objectContaining({ type: 'fetched', expiresIn: 60, assumedLifetime: true })]);
    } finally {
      recorder.stop();
    }
  });

  it('with defaultExpiresIn: false, refuses the response', async () => {
    fx.issuer.setFault(respond({ access_token: TOKEN, token_type: 'Bearer' }), 'token');
    await expect(adminClient(fx.issuer, { defaultExpiresIn: false }).getToken()).rejects.toMatchObject({ error: 'invalid_response', message: expect.stringMatching(/no expires_in/) });
  });
});
