import { describe, expect, it } from 'vitest';
import { resolveOptions, TollgateConfigError, type VerifierOptions } from '../src/index.js';
import { compilePattern, isCanonicalUrl, matchTenant, type CompiledPattern } from '../src/lib/issuer-pattern.js';

const AUDIENCE = 'https://api.example.com';
const ENTRA = 'https://login.microsoftonline.com/{tenant}/v2.0';
const AUTH0 = 'https://{tenant}.us.auth0.example/';

function compiled(pattern: string, tenants: readonly string[] | '*' = '*'): CompiledPattern {
  const result = compilePattern({ pattern, tenants }, false);
  if (Array.isArray(result)) throw new Error(result.join('\n'));
  return result;
}

/** The problems resolveOptions reports for `options`, one per line. */
function problems(options: Partial<VerifierOptions> & Record<string, unknown>): string[] {
  try {
    resolveOptions({ audience: AUDIENCE, ...options } as VerifierOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(TollgateConfigError);
    return (error as Error).message.split('\n').slice(1).map((line) => line.replace(/^ {2}- /, ''));
  }
  return expect.fail('expected resolveOptions to throw');
}

describe('issuer pattern: matching a token iss', () => {
  it('matches a tenant as a whole path segment, and only from the safe character set', () => {
    const entra = compiled(ENTRA);
    expect(matchTenant(entra, 'https://login.microsoftonline.com/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0')).toBe('9188040d-6c67-4c5b-b112-36a304b66dad');
    expect(matchTenant(entra, 'https://login.microsoftonline.com/Contoso_1/v2.0')).toBe('Contoso_1');
    for (const iss of [
      'https://login.microsoftonline.com//v2.0', // empty tenant
      'https://login.microsoftonline.com/a/b/v2.0', // two segments
      'https://login.microsoftonline.com/../v2.0',
      'https://login.microsoftonline.com/a.b/v2.0',
      'https://login.microsoftonline.com/a%2fb/v2.0',
      'https://login.microsoftonline.com/a%2e%2e/v2.0',
      'https://login.microsoftonline.com/a?x/v2.0',
      'https://login.microsoftonline.com/a#x/v2.0',
      'https://login.microsoftonline.com/a@b/v2.0',
      'https://login.microsoftonline.com/a:b/v2.0',
      'https://login.microsoftonline.com/a\\b/v2.0',
      'https://login.microsoftonline.com/a b/v2.0',
      'https://login.microsoftonline.com/ａ/v2.0', // fullwidth a
      'https://login.microsoftonline.com/tenant/v2.0/', // trailing slash: another issuer
      'https://LOGIN.microsoftonline.com/tenant/v2.0',
      'https://login.microsoftonline.com:443/tenant/v2.0',
      'https://login.microsoftonline.com./tenant/v2.0',
      'https://evil.example/login.microsoftonline.com/tenant/v2.0',
      `https://login.microsoftonline.com/${'a'.repeat(65)}/v2.0`,
    ]) {
      expect(matchTenant(entra, iss), iss).toBeUndefined();
    }
  });

  it('matches a tenant as the leftmost host label, lower case only, so it never names another host', () => {
    const auth0 = compiled(AUTH0);
    expect(matchTenant(auth0, 'https://acme.us.auth0.example/')).toBe('acme');
    expect(matchTenant(auth0, 'https://acme-2.us.auth0.example/')).toBe('acme-2');
    for (const iss of [
      'https://ACME.us.auth0.example/',
      'https://a.b.us.auth0.example/',
      'https://evil.example/.us.auth0.example/',
      'https://evil.example#.us.auth0.example/',
      'https://evil.example?.us.auth0.example/',
      'https://user@acme.us.auth0.example/',
      'https://evil.example\\.us.auth0.example/',
      'https://acme%2eevil.us.auth0.example/',
      'https://аcme.us.auth0.example/', // Cyrillic а
      'https://-acme.us.auth0.example/',
      'https://acme-.us.auth0.example/',
      'https://acme.us.auth0.example:443/',
      'https://acme.us.auth0.example',
    ]) {
      expect(matchTenant(auth0, iss), iss).toBeUndefined();
    }
  });

  it('with an allow-list, matches only the tenants listed, exactly', () => {
    const listed = compiled(ENTRA, ['contoso', 'fabrikam']);
    expect(matchTenant(listed, 'https://login.microsoftonline.com/contoso/v2.0')).toBe('contoso');
    expect(matchTenant(listed, 'https://login.microsoftonline.com/Contoso/v2.0')).toBeUndefined();
    expect(matchTenant(listed, 'https://login.microsoftonline.com/northwind/v2.0')).toBeUndefined();
  });

  it('canonical URLs: only the spelling new URL gives is accepted', () => {
    expect(isCanonicalUrl('https://auth.example.com/')).toBe(true);
    expect(isCanonicalUrl('http://127.0.0.1:4000')).toBe(true);
    expect(isCanonicalUrl('https://auth.example.com/a/../b')).toBe(false);
    expect(isCanonicalUrl('https://Auth.example.com/')).toBe(false);
    expect(isCanonicalUrl('https://auth.example.com:443/')).toBe(false);
    expect(isCanonicalUrl('https://auth.example.com\\x')).toBe(false);
    expect(isCanonicalUrl('not a url')).toBe(false);
  });
});

describe('issuer pattern and function: options checked at startup', () => {
  it('accepts the path and host forms, with an allow-list or *', () => {
    const entra = resolveOptions({ issuer: { pattern: ENTRA, tenants: '*' }, audience: AUDIENCE });
    expect(entra.issuers).toEqual([]);
    expect(entra.issuerRule).toEqual({ pattern: ENTRA, tenants: '*' });
    expect(Object.isFrozen(entra.issuerRule)).toBe(true);
    const auth0 = resolveOptions({ issuer: { pattern: AUTH0, tenants: ['acme'] }, audience: AUDIENCE, maxIssuers: 10, newIssuersPerMinute: 5 });
    expect([auth0.maxIssuers, auth0.newIssuersPerMinute]).toEqual([10, 5]);
    const decide = (iss: string) => iss === 'https://a.example/';
    expect(resolveOptions({ issuer: decide, audience: AUDIENCE }).issuerRule).toBe(decide);
  });

  it('the allow-list is required: forgetting it is not "every tenant"', () => {
    expect(problems({ issuer: { pattern: ENTRA } as never })).toEqual([
      "issuer.tenants: required: the tenants to trust (['contoso', 'fabrikam']), or '*' for every tenant of the provider (see docs/multi-tenant.md: anyone can open a tenant)",
    ]);
    expect(problems({ issuer: { pattern: ENTRA, tenants: [] } })).toEqual(["issuer.tenants: must name at least one tenant; '*' trusts every tenant"]);
    expect(problems({ issuer: { pattern: ENTRA, tenants: 'all' } as never })[0]).toMatch(/^issuer\.tenants: required/);
    expect(problems({ issuer: { pattern: ENTRA, tenants: '*', extra: 1 } as never })[0]).toMatch(/^issuer: Unrecognized key/);
  });

  it('refuses tenants that could not match', () => {
    expect(problems({ issuer: { pattern: ENTRA, tenants: ['contoso', 'a.b', 'x/y'] } })).toEqual([
      'issuer.tenants: "a.b" is not a tenant that can stand in the path (A-Z, a-z, 0-9, _ and -, at most 64 characters)',
      'issuer.tenants: "x/y" is not a tenant that can stand in the path (A-Z, a-z, 0-9, _ and -, at most 64 characters)',
    ]);
    expect(problems({ issuer: { pattern: AUTH0, tenants: ['Acme'] } })).toEqual([
      'issuer.tenants: "Acme" is not a tenant that can stand in the host (a lower-case host label: a-z, 0-9 and inner -, at most 63 characters)',
    ]);
  });

  it('refuses patterns where {tenant} is not one whole path segment or the leftmost host label', () => {
    const place =
      "{tenant} must be a whole path segment (https://login.example.com/{tenant}/v2.0) or the leftmost label of a host with at least two more labels (https://{tenant}.auth.example.com/)";
    for (const pattern of [
      'https://login.example.com/t-{tenant}/v2.0',
      'https://login.example.com/{tenant}x',
      'https://{tenant}.com/',
      'https://auth.{tenant}.example.com/',
    ]) {
      expect(problems({ issuer: { pattern, tenants: '*' } }), pattern).toEqual([`issuer.pattern: '${pattern}': ${place}`]);
    }
    expect(problems({ issuer: { pattern: 'https://auth.example.com:{tenant}/', tenants: '*' } })).toEqual(["issuer.pattern: 'https://auth.example.com:{tenant}/' is not an absolute URL"]);
    expect(problems({ issuer: { pattern: 'https://login.example.com/', tenants: '*' } })).toEqual([
      "issuer.pattern: 'https://login.example.com/' must contain {tenant} exactly once",
    ]);
    expect(problems({ issuer: { pattern: 'https://login.example.com/{tenant}/{tenant}', tenants: '*' } })[0]).toMatch(/exactly once/);
    expect(problems({ issuer: { pattern: 'https://login.example.com/{tenant}/{region}', tenants: '*' } })[0]).toMatch(/no placeholder but \{tenant\}/);
    expect(problems({ issuer: { pattern: 'https://login.example.com/?t={tenant}', tenants: '*' } })[0]).toMatch(/must not have a query or a fragment/);
    expect(problems({ issuer: { pattern: 'https://user@login.example.com/{tenant}', tenants: '*' } })).toEqual(['issuer.pattern: must not carry credentials (user:password@)']);
  });

  it("refuses {tenant} right before a country registry's suffix (co.uk, com.au) with tenants: '*', and takes it with a list", () => {
    for (const pattern of ['https://{tenant}.co.uk/', 'https://{tenant}.com.au/oauth2', 'https://{tenant}.ac.jp/', 'https://{tenant}.com.xn--p1ai/']) {
      expect(problems({ issuer: { pattern, tenants: '*' } })[0], pattern).toMatch(/is a public suffix, so with tenants: '\*' anyone who registers a domain under it would be a trusted issuer/);
      expect(compilePattern({ pattern, tenants: ['acme'] }, false), pattern).toMatchObject({ place: 'host' });
    }
    // The same with a trailing dot (the same name to DNS): any host ending in '.' is refused in a pattern.
    expect(problems({ issuer: { pattern: 'https://{tenant}.co.uk./', tenants: '*' } })).toEqual(["issuer.pattern: 'https://{tenant}.co.uk./' must not end its host with '.'"]);
    expect(problems({ issuer: { pattern: 'https://login.example.com./{tenant}', tenants: ['a'] } })).toEqual(["issuer.pattern: 'https://login.example.com./{tenant}' must not end its host with '.'"]);
    // A domain of its own under a country code is fine: the tenant is a subdomain of it.
    expect(compiled('https://{tenant}.example.co.uk/')).toMatchObject({ place: 'host' });
    expect(compiled('https://{tenant}.auth.de/')).toMatchObject({ place: 'host' });
  });

  it('refuses a pattern that is not written as a URL spells it, and http without allowInsecureRequests', () => {
    expect(problems({ issuer: { pattern: 'https://Login.example.com/{tenant}', tenants: '*' } })).toEqual([
      "issuer.pattern: 'https://Login.example.com/{tenant}' must be written as a URL spells it (lower-case host, no default port, no '.' or '..' segments, no percent-encoding or backslash): 'https://login.example.com/{tenant}'",
    ]);
    expect(problems({ issuer: { pattern: 'https://login.example.com:443/{tenant}', tenants: '*' } })[0]).toMatch(/must be written as a URL spells it/);
    expect(problems({ issuer: { pattern: 'https://login.example.com/a/../{tenant}', tenants: '*' } })[0]).toMatch(/must be written as a URL spells it/);
    expect(problems({ issuer: { pattern: 'http://127.0.0.1:4000/{tenant}', tenants: '*' } })).toEqual([
      "issuer.pattern: 'http://127.0.0.1:4000/{tenant}' is not https; for local development set allowInsecureRequests: true",
    ]);
    expect(resolveOptions({ issuer: { pattern: 'http://127.0.0.1:4000/{tenant}', tenants: '*' }, audience: AUDIENCE, allowInsecureRequests: true }).issuerRule).toBeDefined();
  });

  it('jwksUri: a {tenant} template needs a pattern; a map names only issuers that can be trusted', () => {
    expect(problems({ issuer: 'https://a.example/', jwksUri: 'https://keys.example/{tenant}/jwks' })).toEqual([
      'jwksUri: {tenant} stands for the tenant of an issuer pattern; with this issuer, give one URL or one per issuer',
    ]);
    expect(problems({ issuer: () => true, jwksUri: 'https://keys.example/{tenant}/jwks' })[0]).toMatch(/^jwksUri: \{tenant\} stands for/);
    expect(problems({ issuer: { pattern: ENTRA, tenants: '*' }, jwksUri: 'https://{tenant}.keys.example/jwks' })).toEqual([
      'jwksUri: {tenant} is a path segment of the issuer pattern, so it cannot be a host label of the JWKS URL',
    ]);
    expect(problems({ issuer: ['https://a.example/', 'https://b.example/'], jwksUri: { 'https://a.example/': 'https://a.example/keys', 'https://c.example/': 'https://c.example/keys' } })).toEqual([
      "jwksUri: 'https://c.example/' is not an issuer this verifier trusts (issuer identifiers are compared exactly)",
    ]);
    expect(problems({ issuer: { pattern: ENTRA, tenants: ['contoso'] }, jwksUri: { 'https://login.microsoftonline.com/fabrikam/v2.0': 'https://keys.example/f' } })[0]).toMatch(/is not an issuer this verifier trusts/);
    expect(problems({ issuer: 'https://a.example/', jwksUri: { 'https://a.example/': 'http://keys.example/a' } })[0]).toMatch(/^jwksUri\['https:\/\/a\.example\/'\]: 'http:\/\/keys\.example\/a' must be an https URL/);
    expect(problems({ issuer: 'https://a.example/', jwksUri: {} })).toEqual(["jwksUri: name at least one issuer: { 'https://auth.example.com/': 'https://auth.example.com/keys' }"]);
    expect(problems({ issuer: 'https://a.example/', jwksUri: ['https://a.example/keys'] as never })[0]).toMatch(/^jwksUri: expected the JWKS URL, or one per issuer/);
    const resolved = resolveOptions({ issuer: ['https://a.example/', 'https://b.example/'], audience: AUDIENCE, jwksUri: { 'https://a.example/': 'https://keys.example/a' } });
    expect([resolved.jwksUri, resolved.jwksUris]).toEqual([undefined, { 'https://a.example/': 'https://keys.example/a' }]);
  });

  it('maxIssuers and newIssuersPerMinute apply to a pattern or a function only, and are bounded', () => {
    expect(problems({ issuer: 'https://a.example/', maxIssuers: 10 })).toEqual([
      'maxIssuers: applies to an issuer pattern or function only; with a list of issuers every key set is made at startup',
    ]);
    expect(problems({ issuer: () => true, maxIssuers: 0 })[0]).toMatch(/^maxIssuers: /);
    expect(problems({ issuer: () => true, newIssuersPerMinute: 0.5 })[0]).toMatch(/^newIssuersPerMinute: /);
    expect(problems({ issuer: () => true, maxIssuers: '100' as never })[0]).toMatch(/^maxIssuers: /);
  });

  it('any other issuer value is refused with the list form message', () => {
    for (const issuer of [undefined, 42, null, true]) {
      expect(problems({ issuer: issuer as never })).toEqual([
        'issuer: required: issuer identifier (the iss of your tokens, e.g. https://auth.example.com/), as a string or an array of strings',
      ]);
    }
  });
});
