// The introspection option: every way of writing it slightly wrong is a startup error naming the option; the
// credentials never show in the resolved options; verifyToken does not share a verifier across different keys.
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { createVerifier, resolveOptions, TollgateConfigError, type AccessToken, type IntrospectionCache, type IntrospectionCacheEntry, type IntrospectionOptions, type VerificationMethod, type VerifierOptions } from '../src/index.js';

const ISSUER = 'https://auth.example.com/';
const base: VerifierOptions = { issuer: ISSUER, audience: 'https://api.example.com' };
const SECRET = 'the-api-secret-0123456789';
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });

/** The message of the TollgateConfigError that resolveOptions throws for this introspection option. */
function problem(introspection: unknown, extra: Record<string, unknown> = {}): string {
  try {
    resolveOptions({ ...base, ...extra, introspection } as VerifierOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(TollgateConfigError);
    return (error as Error).message;
  }
  return expect.fail('expected a TollgateConfigError');
}

describe('introspection options that are refused at startup', () => {
  it.each([
    ['no clientId', { clientSecret: SECRET }, 'introspection.clientId: required'],
    ['an empty clientId', { clientId: '', clientSecret: SECRET }, 'introspection.clientId: must not be empty'],
    ['neither a secret nor a key', { clientId: 'api' }, 'give clientSecret (client_secret_basic) or privateKey (private_key_jwt)'],
    ['an empty secret', { clientId: 'api', clientSecret: '' }, 'introspection.clientSecret: must not be empty'],
    ['both a secret and a key without clientAuth', { clientId: 'api', clientSecret: SECRET, privateKey: { key: ec.privateKey, kid: 'k', alg: 'ES256' } }, 'both clientSecret and privateKey are given'],
    ['client_secret_post without a secret', { clientId: 'api', clientAuth: 'client_secret_post' }, 'introspection.clientSecret: required for client_secret_post'],
    ['client_secret_basic with a key too', { clientId: 'api', clientAuth: 'client_secret_basic', clientSecret: SECRET, privateKey: { key: ec.privateKey, kid: 'k', alg: 'ES256' } }, 'introspection.privateKey: not used by client_secret_basic'],
    ['private_key_jwt without a key', { clientId: 'api', clientAuth: 'private_key_jwt' }, 'introspection.privateKey: required for private_key_jwt'],
    ['private_key_jwt with a secret too', { clientId: 'api', clientAuth: 'private_key_jwt', clientSecret: SECRET, privateKey: { key: ec.privateKey, kid: 'k', alg: 'ES256' } }, 'introspection.clientSecret: not used by private_key_jwt'],
    ['a misspelt method', { clientId: 'api', clientSecret: SECRET, clientAuth: 'client_secret_jwt' }, 'introspection.clientAuth: expected one of client_secret_basic, client_secret_post, private_key_jwt'],
    ['a misspelt member', { clientId: 'api', clientSecrets: SECRET }, 'Unrecognized key: "clientSecrets"'],
    ['a public key', { clientId: 'api', privateKey: { key: ec.publicKey, kid: 'k', alg: 'ES256' } }, 'introspection.privateKey.key: must be a private key, not a public or secret one'],
    ['a public JWK', { clientId: 'api', privateKey: { key: ec.publicKey.export({ format: 'jwk' }), kid: 'k', alg: 'ES256' } }, 'introspection.privateKey.key: must be a private key (a JWK with d'],
    ['a key that cannot sign its alg', { clientId: 'api', privateKey: { key: rsa.privateKey, kid: 'k', alg: 'ES256' } }, 'introspection.privateKey.key: a rsa key cannot sign ES256'],
    // A key made for this test only (generating one over 4096 bits takes seconds).
    ['an RSA key over 4096 bits', { clientId: 'api', privateKey: { key: createPrivateKey(readFileSync(new URL('./fixtures/test-only-rsa-4160.pem', import.meta.url))), kid: 'k', alg: 'RS256' } }, 'introspection.privateKey.key: an RSA key of more than 4096 bits'],
    ['a key without kid', { clientId: 'api', privateKey: { key: ec.privateKey, alg: 'ES256' } }, 'introspection.privateKey.kid: required'],
    ['a symmetric alg', { clientId: 'api', privateKey: { key: ec.privateKey, kid: 'k', alg: 'HS256' } }, 'introspection.privateKey.alg: required: one of RS256'],
    ['an http endpoint', { clientId: 'api', clientSecret: SECRET, endpoint: 'http://auth.example.com/introspect' }, "introspection.endpoint: 'http://auth.example.com/introspect' must be an https URL"],
    ['an endpoint with credentials', { clientId: 'api', clientSecret: SECRET, endpoint: 'https://user:pw@auth.example.com/introspect' }, 'introspection.endpoint: must not carry credentials'],
    ["tokens: 'jwt'", { clientId: 'api', clientSecret: SECRET, tokens: 'jwt' }, "introspection.tokens: expected 'opaque'"],
    ['tokenTypeHint: true', { clientId: 'api', clientSecret: SECRET, tokenTypeHint: true }, "introspection.tokenTypeHint: expected 'access_token' or false"],
    ['a zero timeout', { clientId: 'api', clientSecret: SECRET, timeout: 0 }, 'introspection.timeout: must be more than 0'],
    ['a revocation window over a day', { clientId: 'api', clientSecret: SECRET, cache: { maxAge: '2d' } }, 'introspection.cache.maxAge: must be at most one day'],
    ['a negative window over a minute', { clientId: 'api', clientSecret: SECRET, cache: { negativeMaxAge: '5m' } }, 'introspection.cache.negativeMaxAge: must be at most 60 seconds'],
    ['a store without set', { clientId: 'api', clientSecret: SECRET, cache: { store: { get: () => undefined } } }, 'introspection.cache.store: must be an object with get(key) and set('],
    ['cache: true', { clientId: 'api', clientSecret: SECRET, cache: true }, 'introspection.cache'],
    ['no more than 0 requests in flight', { clientId: 'api', clientSecret: SECRET, maxConcurrent: 0 }, 'introspection.maxConcurrent'],
  ])('%s', (_name, introspection, message) => {
    expect(problem(introspection)).toContain(message);
  });

  it('several issuers without an endpoint: which endpoint to send tokens to would be a guess', () => {
    expect(problem({ clientId: 'api', clientSecret: SECRET }, { issuer: [ISSUER, 'https://other.example.com/'] })).toContain(
      'introspection.endpoint: required with several issuers',
    );
  });

  it('an http endpoint on localhost passes with allowInsecureRequests', () => {
    const options = resolveOptions({ ...base, issuer: 'http://127.0.0.1:9/', allowInsecureRequests: true, introspection: { clientId: 'api', clientSecret: SECRET, endpoint: 'http://127.0.0.1:9/introspect' } });
    expect(options.introspection?.endpoint).toBe('http://127.0.0.1:9/introspect');
  });
});

describe('introspection options as resolved', () => {
  it('defaults: client_secret_basic, opaque tokens introspected, access_token hint, JSON answers, a 60 s revocation window', () => {
    const { introspection } = resolveOptions({ ...base, introspection: { clientId: 'api', clientSecret: SECRET } });
    expect(introspection).toMatchObject({
      endpoint: undefined,
      clientAuth: 'client_secret_basic',
      tokens: 'opaque',
      tokenTypeHint: 'access_token',
      jwtResponse: false,
      timeout: 5,
      maxResponseBytes: 65_536,
      cooldown: 5,
      maxConcurrent: 256,
      cache: { maxAge: 60, negativeMaxAge: 5, maxEntries: 10_000, store: undefined, storeTimeout: 1 },
    });
    expect(Object.isFrozen(introspection)).toBe(true);
  });

  it('a private key alone means private_key_jwt; a JWK works as well as a KeyObject', () => {
    const jwk = ec.privateKey.export({ format: 'jwk' });
    for (const key of [ec.privateKey, jwk]) {
      expect(resolveOptions({ ...base, introspection: { clientId: 'api', privateKey: { key, kid: 'k1', alg: 'ES256' } } }).introspection?.clientAuth).toBe('private_key_jwt');
    }
  });

  it('neither the secret nor the private key shows in JSON.stringify or util.inspect of the options', () => {
    const jwk = ec.privateKey.export({ format: 'jwk' });
    const withSecret = createVerifier({ ...base, introspection: { clientId: 'api', clientSecret: SECRET } }).options;
    const withKey = createVerifier({ ...base, introspection: { clientId: 'api', privateKey: { key: jwk, kid: 'k1', alg: 'ES256' } } }).options;
    for (const text of [JSON.stringify(withSecret), inspect(withSecret, { depth: 10 }), JSON.stringify(withKey), inspect(withKey, { depth: 10 })]) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(jwk.d!);
      expect(text).toContain("client");
    }
  });

  it('the caller options are not mutated', () => {
    const introspection: IntrospectionOptions = { clientId: 'api', clientSecret: SECRET, cache: { maxAge: '30s' } };
    const copy = structuredClone(introspection);
    resolveOptions({ ...base, introspection });
    expect(introspection).toEqual(copy);
  });
});

describe('introspection types', () => {
  it('the option, the cache interface and AccessToken.verifiedBy are typed', () => {
    expectTypeOf<IntrospectionOptions['tokens']>().toEqualTypeOf<'opaque' | 'all' | undefined>();
    expectTypeOf<IntrospectionOptions['clientAuth']>().toEqualTypeOf<'client_secret_basic' | 'client_secret_post' | 'private_key_jwt' | undefined>();
    expectTypeOf<AccessToken['verifiedBy']>().toEqualTypeOf<VerificationMethod>();
    expectTypeOf<ReturnType<IntrospectionCache['get']>>().toEqualTypeOf<IntrospectionCacheEntry | undefined | Promise<IntrospectionCacheEntry | undefined>>();
  });
});
