import { describe, expect, it } from 'vitest';
import { createVerifier, resolveOptions, TollgateConfigError } from '../src/index.js';
import type { VerifierOptions } from '../src/index.js';

const ISSUER = 'https://auth.example.com/';
const AUDIENCE = 'https://api.example.com';
const base: VerifierOptions = { issuer: ISSUER, audience: AUDIENCE };

/** The message of the TollgateConfigError that resolveOptions throws for `input`. */
function configError(input: unknown): string {
  try {
    resolveOptions(input as VerifierOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(TollgateConfigError);
    return (error as TollgateConfigError).message;
  }
  return expect.fail('expected resolveOptions to throw');
}

const invalid = (...lines: string[]) => `tollgate: invalid options\n${lines.map((line) => `  - ${line}`).join('\n')}`;
const DURATION = (name: string) => `expected ${name} as seconds (a number >= 0) or text like '30s', '10m', '1h'`;

describe('resolveOptions: wrong options throw TollgateConfigError naming the option and what it expects', () => {
  it('missing audience', () => {
    expect(configError({ issuer: ISSUER })).toBe(invalid("audience: required: audience (this API's identifier, the aud of your tokens), as a string or an array of strings"));
  });

  it('missing issuer', () => {
    expect(configError({ audience: AUDIENCE })).toBe(
      invalid('issuer: required: issuer identifier (the iss of your tokens, e.g. https://auth.example.com/), as a string or an array of strings'),
    );
  });

  it('both missing: every problem is listed at once', () => {
    const message = configError({});
    expect(message.split('\n')).toHaveLength(3);
    expect(message).toContain('  - issuer: required');
    expect(message).toContain('  - audience: required');
  });

  it('no options object at all', () => {
    expect(configError(undefined)).toBe('tollgate: options are required: { issuer, audience } at least');
    expect(configError(null)).toBe('tollgate: options are required: { issuer, audience } at least');
  });

  it('empty issuer string or list', () => {
    const expected = invalid('issuer: must name at least one issuer identifier (the iss of your tokens, e.g. https://auth.example.com/), none empty');
    expect(configError({ ...base, issuer: '' })).toBe(expected);
    expect(configError({ ...base, issuer: [] })).toBe(expected);
    expect(configError({ ...base, audience: [AUDIENCE, ''] })).toBe(invalid("audience: must name at least one audience (this API's identifier, the aud of your tokens), none empty"));
  });

  it("algorithms containing 'none'", () => {
    expect(configError({ ...base, algorithms: ['RS256', 'none'] })).toBe(invalid("algorithms.1: 'none' is never allowed: it accepts unsigned tokens"));
  });

  it("algorithms containing 'HS256'", () => {
    expect(configError({ ...base, algorithms: ['HS256'] })).toBe(
      invalid("algorithms.0: 'HS256' is symmetric (a shared secret); tollgate verifies with the issuer's public keys only"),
    );
  });

  it('an unknown algorithm', () => {
    expect(configError({ ...base, algorithms: ['RS257'] })).toBe(
      invalid("algorithms.0: 'RS257' is not supported; use any of RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA, Ed25519"),
    );
  });

  it('empty algorithms', () => {
    expect(configError({ ...base, algorithms: [] })).toBe(invalid('algorithms: must allow at least one algorithm'));
  });

  it('an http issuer on loopback without allowInsecureRequests', () => {
    expect(configError({ ...base, issuer: 'http://127.0.0.1:8080/' })).toBe(
      invalid("issuer: 'http://127.0.0.1:8080/' is not https; for local development set allowInsecureRequests: true"),
    );
  });

  it('an http issuer off loopback, even with allowInsecureRequests: true, says how to name a development host', () => {
    expect(configError({ ...base, issuer: 'http://auth.example.com/', allowInsecureRequests: true })).toBe(
      invalid(
        "issuer: 'http://auth.example.com/' must be an https URL; allowInsecureRequests: true allows http on localhost, 127.0.0.1 and [::1] only; for a development issuer on another host (a docker compose service), name it: allowInsecureRequests: { hosts: ['auth.example.com'] } (never in production: over http, anyone on the network can serve you keys)",
      ),
    );
    expect(configError({ ...base, issuer: 'http://10.0.0.5/', allowInsecureRequests: true })).toBe(invalid(
        "issuer: 'http://10.0.0.5/' must be an https URL; allowInsecureRequests: true allows http on localhost, 127.0.0.1 and [::1] only; for a development issuer on another host (a docker compose service), name it: allowInsecureRequests: { hosts: ['10.0.0.5'] } (never in production: over http, anyone on the network can serve you keys)",
      ));
  });

  it('an http jwksUri off loopback', () => {
    expect(configError({ ...base, jwksUri: 'http://keys.example.com/jwks.json', allowInsecureRequests: true })).toBe(
      invalid(
        "jwksUri: 'http://keys.example.com/jwks.json' must be an https URL; allowInsecureRequests: true allows http on localhost, 127.0.0.1 and [::1] only; for a development issuer on another host (a docker compose service), name it: allowInsecureRequests: { hosts: ['keys.example.com'] } (never in production: over http, anyone on the network can serve you keys)",
      ),
    );
  });

  it('allowInsecureRequests: { hosts } allows http on exactly the named hosts (and loopback), nothing else', () => {
    const hosts = { hosts: ['keycloak', 'Auth.Dev'] };
    const resolved = resolveOptions({ ...base, issuer: 'http://keycloak:8080/realms/orders', jwksUri: 'http://auth.dev/jwks.json', allowInsecureRequests: hosts });
    expect(resolved.insecureHosts).toEqual(['keycloak', 'auth.dev']);
    expect(resolved.allowInsecureRequests).toBe(true);
    expect(resolveOptions({ ...base, issuer: 'http://127.0.0.1:9000/', allowInsecureRequests: hosts }).issuers).toEqual(['http://127.0.0.1:9000/']);
    expect(configError({ ...base, issuer: 'http://keycloak.evil.example/', allowInsecureRequests: hosts })).toContain("name it: allowInsecureRequests: { hosts: ['keycloak.evil.example'] }");
    expect(configError({ ...base, issuer: 'ftp://keycloak/', allowInsecureRequests: hosts })).toBe(invalid("issuer: 'ftp://keycloak/' must be an https URL"));
  });

  it.each([
    [{ hosts: [] }, 'allowInsecureRequests.hosts: name at least one host, or use true for localhost only'],
    [{ hosts: ['http://keycloak'] }, "allowInsecureRequests.hosts: 'http://keycloak' is not a bare hostname (no scheme, port, path or wildcard; e.g. 'keycloak')"],
    [{ hosts: ['keycloak:8080'] }, "allowInsecureRequests.hosts: 'keycloak:8080' is not a bare hostname"],
    [{ hosts: ['*.local'] }, "allowInsecureRequests.hosts: '*.local' is not a bare hostname"],
    ['yes', "allowInsecureRequests: expected true (localhost only) or { hosts: ['keycloak'] } (development hosts)"],
  ])('refuses allowInsecureRequests %j', (value, message) => {
    expect(configError({ ...base, allowInsecureRequests: value as never })).toContain(message);
  });

  it('an unparseable URL is quoted without what comes before its @ (credentials, unchecked)', () => {
    const message = configError({ ...base, issuer: 'http://user:secretpw@[::1' });
    expect(message).toBe(invalid("issuer: 'http://***@[::1' is not an absolute URL"));
  });

  it('a jwksUri or issuer carrying credentials, without echoing them', () => {
    const message = configError({ ...base, jwksUri: 'https://svc:s3cr3t@keys.example.com/jwks.json' });
    expect(message).toBe(invalid('jwksUri: must not carry credentials (user:password@)'));
    expect(message).not.toContain('s3cr3t');
    expect(configError({ ...base, issuer: 'https://user@auth.example.com/' })).toBe(invalid('issuer: must not carry credentials (user:password@)'));
  });

  it('an issuer with a query or a fragment (RFC 8414 section 2 forbids both), even an empty one', () => {
    expect(configError({ ...base, issuer: 'https://auth.example.com/tenant?realm=a' })).toBe(
      invalid("issuer: 'https://auth.example.com/tenant?realm=a' must not have a query or a fragment (RFC 8414 section 2); the issuer identifier would be 'https://auth.example.com/tenant'"),
    );
    expect(configError({ ...base, issuer: 'https://auth.example.com/#main' })).toBe(
      invalid("issuer: 'https://auth.example.com/#main' must not have a query or a fragment (RFC 8414 section 2); the issuer identifier would be 'https://auth.example.com/'"),
    );
    for (const issuer of ['https://auth.example.com/?', 'https://auth.example.com/#', 'https://auth.example.com?x#y']) {
      expect(configError({ ...base, issuer })).toContain(`issuer: '${issuer}' must not have a query or a fragment (RFC 8414 section 2)`);
    }
    // Each issuer of a list is checked, and createVerifier refuses at once.
    expect(() => createVerifier({ ...base, issuer: [ISSUER, 'https://b.example/?x=1'] })).toThrow(/issuer: 'https:\/\/b\.example\/\?x=1' must not have a query/);
  });

  it('a jwksUri may have a query (only the issuer identifier may not)', () => {
    expect(resolveOptions({ ...base, jwksUri: 'https://keys.example.com/jwks?tenant=a' }).jwksUri).toBe('https://keys.example.com/jwks?tenant=a');
  });

  it('a jwks.cooldown under 1 second: it is what bounds the fetches forged tokens cause', () => {
    const message = 'must be at least 1 second: it bounds the JWKS fetches that unknown kids and forged signatures can cause';
    for (const cooldown of [0, 0.5, '0s', '500ms']) {
      const problem = configError({ ...base, jwks: { cooldown } });
      expect(problem, String(cooldown)).toMatch(/^tollgate: invalid options\n  - jwks\.cooldown: /);
      if (cooldown !== '500ms') expect(problem).toBe(invalid(`jwks.cooldown: ${message}`));
    }
    expect(resolveOptions({ ...base, jwks: { cooldown: 1 } }).jwks.cooldown).toBe(1);
  });

  it('jwks.maxRsaModulusBits outside 2048..16384 bits, or not an integer', () => {
    const message = 'must be a whole number of bits from 2048 (RFC 7518 section 3.3) to 16384';
    for (const bits of [1024, 2047, 16385, 4096.5, '4096']) {
      expect(configError({ ...base, jwks: { maxRsaModulusBits: bits } })).toBe(invalid(`jwks.maxRsaModulusBits: ${message}`));
    }
  });

  it('an issuer that is not an absolute URL', () => {
    expect(configError({ ...base, issuer: 'auth.example.com' })).toBe(invalid("issuer: 'auth.example.com' is not an absolute URL"));
  });

  it('an unknown option key (a typo)', () => {
    expect(configError({ ...base, clockTolerence: 10 })).toBe(invalid('(options): Unrecognized key: "clockTolerence"'));
    expect(configError({ ...base, jwks: { cooldwn: 10 } })).toBe(invalid('jwks: Unrecognized key: "cooldwn"'));
  });

  it('a typo of a required option reports both the typo and the missing option', () => {
    const message = configError({ issuer: ISSUER, audiences: AUDIENCE });
    expect(message).toContain('audience: required');
    expect(message).toContain('Unrecognized key: "audiences"');
  });

  it('bad durations', () => {
    expect(configError({ ...base, clockTolerance: '5 parsecs' })).toBe(invalid(`clockTolerance: ${DURATION('clockTolerance')}`));
    expect(configError({ ...base, clockTolerance: -1 })).toBe(invalid(`clockTolerance: ${DURATION('clockTolerance')}`));
    expect(configError({ ...base, maxTokenAge: 'forever' })).toBe(invalid(`maxTokenAge: ${DURATION('maxTokenAge')}`));
    expect(configError({ ...base, jwks: { cooldown: 'soon' } })).toBe(invalid(`jwks.cooldown: ${DURATION('cooldown')}`));
  });

  it('durations of the wrong type, NaN or Infinity say what is expected, not just "Invalid input"', () => {
    expect(configError({ ...base, jwks: { cacheMaxAge: Number.NaN } })).toBe(invalid(`jwks.cacheMaxAge: ${DURATION('cacheMaxAge')}`));
    expect(configError({ ...base, jwks: { timeout: Number.POSITIVE_INFINITY } })).toBe(invalid(`jwks.timeout: ${DURATION('timeout')}`));
    expect(configError({ ...base, clockTolerance: true })).toBe(invalid(`clockTolerance: ${DURATION('clockTolerance')}`));
  });

  it('a realm that could break the header', () => {
    expect(configError({ ...base, realm: 'api\r\nX-Evil: 1' })).toBe(invalid('realm: must be printable ASCII (it is sent in the WWW-Authenticate header)'));
  });

  it('wrong types of functions', () => {
    expect(configError({ ...base, fetch: 'fetch' })).toBe(invalid('fetch: must be a fetch function'));
    expect(configError({ ...base, now: 1 })).toBe(invalid('now: must be a function returning milliseconds'));
  });

  it('createVerifier validates at once', () => {
    expect(() => createVerifier({ ...base, algorithms: [] })).toThrow(TollgateConfigError);
  });
});

describe('resolveOptions: defaults and conversions', () => {
  it('applies the documented defaults', () => {
    const resolved = resolveOptions(base);
    const { fetch, now, dpop, ...rest } = resolved;
    // DPoP accepted when presented, with an in-memory replay store of its own (tested in dpop-options.test.ts).
    expect({ ...dpop, replay: typeof dpop?.replay?.claim }).toEqual({
      configured: false,
      required: false,
      algorithms: ['ES256', 'ES384', 'ES512', 'PS256', 'RS256', 'EdDSA', 'Ed25519'],
      proofMaxAge: 300,
      nonce: undefined,
      replay: 'function',
      publicUrl: undefined,
    });
    expect(rest).toEqual({
      issuers: [ISSUER],
      issuerRule: undefined,
      audiences: [AUDIENCE],
      jwksUri: undefined,
      jwksUris: {},
      maxIssuers: 100,
      newIssuersPerMinute: 60,
      keys: undefined,
      algorithms: ['RS256', 'PS256', 'ES256', 'EdDSA'],
      clockTolerance: 5,
      maxTokenAge: undefined,
      strict: false,
      requiredClaims: [],
      realm: 'api',
      maxTokenLength: 8192,
      jwks: { cacheMaxAge: 600, cacheControl: { min: 60, max: 600 }, cooldown: 30, timeout: 5, maxResponseBytes: 256 * 1024, staleIfError: 3600, maxRsaModulusBits: 4096 },
      cacheMaxEntries: 1000,
      cacheMaxRejections: 1000,
      allowInsecureRequests: false,
      insecureHosts: [],
      // Certificate-bound tokens checked against the TLS client certificate; no proxy header read.
      mtls: { certificateHeader: undefined },
    });
    expect(typeof fetch).toBe('function');
    expect(now).toBe(Date.now);
  });

  it("reads durations such as '30s' and '10m' as seconds", () => {
    const resolved = resolveOptions({ ...base, clockTolerance: '30s', maxTokenAge: '10m', jwks: { cacheMaxAge: '1h', cooldown: 15, timeout: '2s', staleIfError: 0 } });
    expect(resolved.clockTolerance).toBe(30);
    expect(resolved.maxTokenAge).toBe(600);
    expect(resolved.jwks).toEqual({ cacheMaxAge: 3600, cacheControl: { min: 60, max: 3600 }, cooldown: 15, timeout: 2, maxResponseBytes: 256 * 1024, staleIfError: 0, maxRsaModulusBits: 4096 });
    expect(resolveOptions({ ...base, jwks: { maxRsaModulusBits: 8192 } }).jwks.maxRsaModulusBits).toBe(8192);
  });

  it('turns single values into lists and drops duplicates', () => {
    const resolved = resolveOptions({ ...base, issuer: [ISSUER, ISSUER, 'https://b.example/'], audience: [AUDIENCE, AUDIENCE], algorithms: ['ES256', 'ES256'] });
    expect(resolved.issuers).toEqual([ISSUER, 'https://b.example/']);
    expect(resolved.audiences).toEqual([AUDIENCE]);
    expect(resolved.algorithms).toEqual(['ES256']);
  });

  it('cache: false disables the verified-token and rejection caches', () => {
    expect(resolveOptions({ ...base, cache: false }).cacheMaxEntries).toBe(0);
    expect(resolveOptions({ ...base, cache: { maxEntries: 5 } }).cacheMaxEntries).toBe(5);
    expect(resolveOptions({ ...base, cache: false }).cacheMaxRejections).toBe(0);
    expect(resolveOptions({ ...base, cache: { maxRejections: 0 } }).cacheMaxRejections).toBe(0);
    expect(resolveOptions({ ...base, cache: { maxEntries: 5 } }).cacheMaxRejections).toBe(1000);
  });

  it('accepts http on loopback with allowInsecureRequests', () => {
    for (const issuer of ['http://127.0.0.1:9000', 'http://localhost:9000/', 'http://[::1]:9000/']) {
      expect(resolveOptions({ ...base, issuer, allowInsecureRequests: true }).issuers).toEqual([issuer]);
    }
  });

  it("does not mutate the caller's object", () => {
    const input = { ...base, issuer: [ISSUER], jwks: { cooldown: '1m' }, requiredClaims: ['tenant', 'tenant'] } satisfies VerifierOptions;
    const snapshot = structuredClone(input);
    Object.freeze(input.issuer);
    Object.freeze(input.jwks);
    Object.freeze(input);
    resolveOptions(input);
    expect(input).toEqual(snapshot);
  });

  it('returns a deeply frozen result, independent of the input lists', () => {
    const issuers = [ISSUER];
    const resolved = resolveOptions({ ...base, issuer: issuers });
    issuers.push('https://late.example/');
    expect(resolved.issuers).toEqual([ISSUER]);
    for (const part of [resolved, resolved.issuers, resolved.audiences, resolved.algorithms, resolved.requiredClaims, resolved.jwks]) {
      expect(Object.isFrozen(part)).toBe(true);
    }
  });

  it('verifier.options exposes the resolved options', () => {
    expect(createVerifier({ ...base, realm: 'orders' }).options.realm).toBe('orders');
  });
});
