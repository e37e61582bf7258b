// The runtime half of each package's type tests: a token with a custom claim reaches a handler whose types
// the package checks, and the values the handler saw are the ones the types promise.
import request from 'supertest';
import { expect } from 'vitest';
import type { IssuerFixture } from './issuer.js';

/** The claim value {@link expectClaimsReachHandler} sends. */
export const TENANT = 'acme';

/**
 * Sends GET / with a token carrying `orders:read` and `claim: 'acme'` to the app at `url`, whose handler
 * pushes the claim and the scopes into `seen` and answers `{ tenant }`.
 */
export async function expectClaimsReachHandler(url: string, issuer: IssuerFixture, claim: string, seen: unknown[]): Promise<void> {
  const res = await request(url).get('/').set('Authorization', await issuer.bearer({ scope: 'orders:read', [claim]: TENANT }));
  expect(res.status).toBe(200);
  expect(res.body).toEqual({ tenant: TENANT });
  expect(seen).toEqual([TENANT, ['orders:read']]);
}
