import { generateKeyPairSync, KeyObject } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestIssuer, type TestIssuer } from '@tollgate/testing';
import { InvalidTokenError, TollgateConfigError, verifyToken } from '../src/index.js';
import type { VerifierOptions } from '../src/index.js';

let issuer: TestIssuer;
// A distinct audience per test keeps each test's options (and so its shared verifier) its own.
let nextAudience = 0;
const freshAudience = () => `https://api-${(nextAudience += 1)}.example.test`;
const optionsFor = (audience: string): VerifierOptions => ({ issuer: issuer.issuer, audience, allowInsecureRequests: true });

beforeAll(async () => {
  issuer = await createTestIssuer({ algorithms: ['ES256'] });
});
afterAll(() => issuer.close());

describe('verifyToken', () => {
  it('verifies a token and returns the AccessToken', async () => {
    const audience = freshAudience();
    const token = await issuer.sign({ aud: audience, scope: 'orders:read' });
    const auth = await verifyToken(token, optionsFor(audience));
    expect({ scopes: auth.scopes, issuer: auth.issuer, audience: auth.audience, clientId: auth.clientId }).toEqual({
      scopes: ['orders:read'],
      issuer: issuer.issuer,
      audience: [audience],
      clientId: 'client-123',
    });
  });

  it('reuses one verifier for two equal option objects: one JWKS request for two calls', async () => {
    const audience = freshAudience();
    const before = issuer.requests.jwks;
    await verifyToken(await issuer.sign({ aud: audience }), optionsFor(audience));
    await verifyToken(await issuer.sign({ aud: audience, scope: 'b' }), optionsFor(audience));
    expect(issuer.requests.jwks - before).toBe(1);
  });

  it('matches options by content regardless of key order', async () => {
    const audience = freshAudience();
    const before = issuer.requests.jwks;
    await verifyToken(await issuer.sign({ aud: audience }), { issuer: issuer.issuer, audience, allowInsecureRequests: true });
    await verifyToken(await issuer.sign({ aud: audience }), { allowInsecureRequests: true, audience, issuer: issuer.issuer });
    expect(issuer.requests.jwks - before).toBe(1);
  });

  it('keeps separate verifiers for different options', async () => {
    const [first, second] = [freshAudience(), freshAudience()];
    const before = issuer.requests.jwks;
    await verifyToken(await issuer.sign({ aud: first }), optionsFor(first));
    await verifyToken(await issuer.sign({ aud: second }), optionsFor(second));
    expect(issuer.requests.jwks - before).toBe(2);
  });

  it('options written inline on every call share a verifier while they name the same functions, never when they name others', async () => {
    const audience = freshAudience();
    const notRevoked = () => true;
    const now = () => Date.now();
    const before = issuer.requests.jwks;
    for (let i = 0; i < 5; i++) await verifyToken(await issuer.sign({ aud: audience }), { ...optionsFor(audience), now, claims: [notRevoked] });
    expect(issuer.requests.jwks - before).toBe(1);
    // The same text, other functions: another verifier (a claim validator must never be swapped for another).
    await verifyToken(await issuer.sign({ aud: audience }), { ...optionsFor(audience), now, claims: [() => true] });
    await verifyToken(await issuer.sign({ aud: audience }), { ...optionsFor(audience), now: () => Date.now(), claims: [notRevoked] });
    expect(issuer.requests.jwks - before).toBe(3);
    // A function in another option with the same text elsewhere is not the same options either.
    await expect(verifyToken(await issuer.sign({ aud: audience }), { ...optionsFor(audience), claims: [() => false] })).rejects.toMatchObject({ reason: 'claim_rule' });
  });

  it('reuses the verifier of the same options object even when it holds functions', async () => {
    const audience = freshAudience();
    const options: VerifierOptions = { ...optionsFor(audience), now: () => Date.now() };
    const before = issuer.requests.jwks;
    await verifyToken(await issuer.sign({ aud: audience }), options);
    await verifyToken(await issuer.sign({ aud: audience }), options);
    expect(issuer.requests.jwks - before).toBe(1);
  });

  it('does not share a verifier between option objects holding different functions', async () => {
    const audience = freshAudience();
    const before = issuer.requests.jwks;
    await verifyToken(await issuer.sign({ aud: audience }), { ...optionsFor(audience), now: () => Date.now() });
    await verifyToken(await issuer.sign({ aud: audience }), { ...optionsFor(audience), now: () => Date.now() });
    expect(issuer.requests.jwks - before).toBe(2);
  });

  it('never shares a verifier between option objects holding different KeyObjects (JSON reads both as {})', async () => {
    const audience = freshAudience();
    const issuerKey = KeyObject.from(issuer.keys[0]!.publicKey);
    const otherKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
    const staticOptions = (key: KeyObject): VerifierOptions => ({ ...optionsFor(audience), keys: [key] });
    const token = await issuer.sign({ aud: audience });
    await expect(verifyToken(token, staticOptions(issuerKey))).resolves.toMatchObject({ audience: [audience] });
    // Equal as JSON, not as keys: the second verifier must check with the other key, and refuse.
    await expect(verifyToken(token, staticOptions(otherKey))).rejects.toMatchObject({ reason: 'signature' });
  });

  it('keeps at most 32 verifiers matched by content, dropping the oldest', async () => {
    const audience = freshAudience();
    const before = issuer.requests.jwks;
    await verifyToken(await issuer.sign({ aud: audience }), optionsFor(audience));
    // 32 other option sets; an empty token is refused before any key is fetched.
    for (let i = 0; i < 32; i += 1) {
      await expect(verifyToken('', optionsFor(freshAudience()))).rejects.toThrow(InvalidTokenError);
    }
    await verifyToken(await issuer.sign({ aud: audience }), optionsFor(audience));
    expect(issuer.requests.jwks - before).toBe(2);
  });

  it('rejects an invalid token with InvalidTokenError', async () => {
    const audience = freshAudience();
    const token = await issuer.sign({ aud: 'https://someone-else.example' });
    await expect(verifyToken(token, optionsFor(audience))).rejects.toMatchObject({ reason: 'audience', message: 'audience mismatch' });
  });

  it('rejects (rather than throws synchronously) with TollgateConfigError for bad options', async () => {
    const bad = { issuer: issuer.issuer, audience: freshAudience() } satisfies VerifierOptions; // http without allowInsecureRequests
    let promise: Promise<unknown> | undefined;
    expect(() => {
      promise = verifyToken('a.b.c', bad);
    }).not.toThrow();
    await expect(promise).rejects.toThrow(TollgateConfigError);
    await expect(verifyToken('a.b.c', bad)).rejects.toThrow(/allowInsecureRequests: true/);
  });
});
