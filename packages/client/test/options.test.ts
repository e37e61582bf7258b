// Startup errors: every option written slightly wrong is a TollgateConfigError naming it, before any request.
import { generateKeyPairSync } from 'node:crypto';
import { TollgateConfigError } from '@tollgate/core';
import { describe, expect, it } from 'vitest';
import { createTokenClient, type TokenClientOptions } from '../src/index.js';

const base = { tokenEndpoint: 'https://auth.example.com/oauth/token', clientId: 'billing', auth: { secret: 's3cret' } };
const ecKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const rsaSmall = generateKeyPairSync('rsa', { modulusLength: 1024 });

const refused = (options: unknown) => {
  try {
    createTokenClient(options as TokenClientOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(TollgateConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a startup error');
};

describe('createTokenClient options', () => {
  it('accepts the documented shapes', () => {
    expect(() => createTokenClient(base)).not.toThrow();
    expect(() => createTokenClient({ ...base, tokenEndpoint: undefined, issuer: 'https://auth.example.com/' })).not.toThrow();
    expect(() => createTokenClient({ ...base, auth: { method: 'private_key_jwt', key: { key: ecKey.privateKey, kid: 'k1', alg: 'ES256' } } })).not.toThrow();
    expect(() => createTokenClient({ ...base, auth: { key: { key: ecKey.privateKey, alg: 'ES256' } } })).not.toThrow();
    expect(() => createTokenClient({ ...base, auth: { method: 'private_key_jwt', key: { key: ecKey.privateKey.export({ format: 'jwk' }), kid: 'k1', alg: 'ES256' } } })).not.toThrow();
    expect(() => createTokenClient({ ...base, tokenEndpoint: 'https://auth.example.com/token?tenant=a', scopes: 'a b', resource: ['https://api.example.com'] })).not.toThrow();
  });

  it.each([
    ['no options', undefined, 'options'],
    ['neither issuer nor tokenEndpoint', { clientId: 'c', auth: { secret: 's' } }, 'give issuer'],
    ['both issuer and tokenEndpoint', { ...base, issuer: 'https://auth.example.com/' }, 'not both'],
    ['an http token endpoint', { ...base, tokenEndpoint: 'http://auth.example.com/token' }, 'must be an https URL'],
    ['a loopback http endpoint without allowInsecureRequests', { ...base, tokenEndpoint: 'http://127.0.0.1:8080/token' }, 'allowInsecureRequests'],
    ['credentials in the URL', { ...base, tokenEndpoint: 'https://user:pw@auth.example.com/token' }, 'must not carry credentials'],
    ['an issuer with a query', { ...base, tokenEndpoint: undefined, issuer: 'https://auth.example.com/?x=1' }, 'RFC 8414 section 2'],
    ['an empty clientId', { ...base, clientId: '' }, 'clientId'],
    ['no auth', { ...base, auth: undefined }, 'auth'],
    ['an empty secret', { ...base, auth: { secret: '' } }, 'auth.secret'],
    ['secret and secrets', { ...base, auth: { secret: 'a', secrets: ['b'] } }, 'not both'],
    ['no secret at all', { ...base, auth: { method: 'client_secret_post' } }, 'needs secret'],
    ['an empty list of secrets', { ...base, auth: { secrets: [] } }, 'at least one secret'],
    ['the same secret twice', { ...base, auth: { secrets: ['a', 'a'] } }, 'listed twice'],
    ['a misspelt method', { ...base, auth: { method: 'client_secret_jwt', secret: 's' } }, "expected method 'client_secret_basic'"],
    ['a typo in auth', { ...base, auth: { secert: 's' } }, 'secert'],
    ['a key and a secret', { ...base, auth: { key: { key: ecKey.privateKey, alg: 'ES256' }, secret: 's' } }, 'secret'],
    ['private_key_jwt without a key', { ...base, auth: { method: 'private_key_jwt' } }, 'needs key'],
    ['a public key', { ...base, auth: { method: 'private_key_jwt', key: { key: ecKey.publicKey, kid: 'k', alg: 'ES256' } } }, 'must be a private key'],
    ['a key that cannot sign its alg', { ...base, auth: { method: 'private_key_jwt', key: { key: ecKey.privateKey, kid: 'k', alg: 'RS256' } } }, 'cannot sign RS256'],
    ['a 1024-bit RSA key', { ...base, auth: { method: 'private_key_jwt', key: { key: rsaSmall.privateKey, kid: 'k', alg: 'RS256' } } }, 'at least 2048 bits'],
    ['several keys, one without kid', { ...base, auth: { method: 'private_key_jwt', keys: [{ key: ecKey.privateKey, alg: 'ES256' }, { key: ecKey.privateKey, kid: 'k2', alg: 'ES256' }] } }, 'each needs the kid'],
    ['a negative renewBefore', { ...base, renewBefore: -1 }, 'renewBefore'],
    ['HS256 for private_key_jwt', { ...base, auth: { method: 'private_key_jwt', key: { key: ecKey.privateKey, kid: 'k', alg: 'HS256' } } }, 'expected one of RS256'],
    ['two keys with one kid', { ...base, auth: { method: 'private_key_jwt', keys: [{ key: ecKey.privateKey, kid: 'k', alg: 'ES256' }, { key: ecKey.privateKey, kid: 'k', alg: 'ES256' }] } }, 'each key needs its own kid'],
    ['a scope with a space inside an array item', { ...base, scopes: ['orders read'] }, 'not a scope token'],
    ['a scope with a quote', { ...base, scopes: ['a"b'] }, 'not a scope token'],
    ['scopes as a number', { ...base, scopes: 7 }, 'scopes'],
    ['a relative resource', { ...base, resource: '/orders' }, 'RFC 8707'],
    ['a resource with a fragment', { ...base, resource: 'https://api.example.com/#x' }, 'fragment'],
    ['a zero timeout', { ...base, timeout: 0 }, 'timeout'],
    ['a timeout that is not a duration', { ...base, timeout: 'soon' }, 'timeout'],
    ['negative retries', { ...base, retries: -1 }, 'retries'],
    ['fractional retries', { ...base, retries: 1.5 }, 'retries'],
    ['backoff initial over max', { ...base, backoff: { initial: '10s', max: '1s' } }, 'backoff'],
    ['a breaker with zero failures', { ...base, breaker: { failures: 0 } }, 'breaker.failures'],
    ['breaker: true', { ...base, breaker: true }, 'breaker'],
    ['renewAt 1 (renewal at expiry)', { ...base, renewAt: 1 }, 'renewAt'],
    ['renewAt as a percentage', { ...base, renewAt: 85 }, 'renewAt'],
    ['renewAt + jitter past 0.95', { ...base, renewAt: 0.9, renewJitter: 0.1 }, 'renewJitter'],
    ['defaultExpiresIn 0', { ...base, defaultExpiresIn: 0 }, 'defaultExpiresIn'],
    ['defaultExpiresIn longer than maxExpiresIn', { ...base, defaultExpiresIn: '2h', maxExpiresIn: '1h' }, 'defaultExpiresIn'],
    ['maxEntries 0', { ...base, maxEntries: 0 }, 'maxEntries'],
    ['a fetch that is not a function', { ...base, fetch: 'undici' }, 'fetch'],
    ['allowInsecureRequests as a string', { ...base, allowInsecureRequests: 'yes' }, 'allowInsecureRequests'],
    ['an unknown option (a typo)', { ...base, scope: 'orders:read' }, 'scope'],
  ])('%s is a startup error', (_, options, mentions) => {
    const message = refused(options);
    expect(message).toContain('createTokenClient');
    expect(message).toContain(mentions);
    expect(message).not.toContain('s3cret');
  });
});
