// The resource option (RFC 8707 / MCP), resource_metadata in challenges (RFC 9728 section 5.1), scope
// hierarchies and step-up (RFC 9470), against real tokens from the local test issuer.
import { createTestIssuer, type TestIssuer } from '@tollgate/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createGuard,
  createMetadataResponder,
  createVerifier,
  InsufficientScopeError,
  InsufficientUserAuthenticationError,
  TollgateConfigError,
  TollgateError,
  type RequestLike,
  type VerifierOptions,
} from '../src/index.js';

const RESOURCE = 'https://api.example.test/mcp';
const METADATA = 'https://api.example.test/.well-known/oauth-protected-resource/mcp';
let issuer: TestIssuer;

beforeAll(async () => {
  issuer = await createTestIssuer({ algorithms: ['ES256'], audience: RESOURCE });
});
afterAll(async () => {
  await issuer.close();
});

const options = (extra: Partial<VerifierOptions> = {}): VerifierOptions => ({ issuer: issuer.issuer, allowInsecureRequests: true, resource: RESOURCE, ...extra }) as VerifierOptions;
const request = (token?: string): RequestLike => ({ method: 'GET', headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
const refusal = async (promise: Promise<unknown>): Promise<TollgateError> => {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(TollgateError);
  return error as TollgateError;
};

describe('resource', () => {
  it('becomes the audience: a token for the resource passes, one for a sibling resource does not', async () => {
    const verifier = createVerifier(options());
    expect(verifier.options.audiences).toEqual([RESOURCE]);
    await expect(verifier.verify(await issuer.sign({ aud: RESOURCE }))).resolves.toMatchObject({ audience: [RESOURCE] });
    for (const aud of ['https://api.example.test/mcp2', 'https://api.example.test:8443/mcp', 'https://API.example.test/mcp', 'https://api.example.test/mcp/', 'https://api.example.test']) {
      const error = await refusal(verifier.verify(await issuer.sign({ aud })));
      expect(error.reason).toBe('audience');
    }
  });

  it('at an origin also matches the same URL with a trailing slash (RFC 3986 section 6.2.3)', async () => {
    const verifier = createVerifier(options({ resource: 'https://api.example.test' }));
    await expect(verifier.verify(await issuer.sign({ aud: 'https://api.example.test/' }))).resolves.toBeDefined();
  });

  it.each([
    ['a trailing slash', { resource: 'https://api.example.test/mcp/' }, "must be written as 'https://api.example.test/mcp'"],
    ['an upper-case host', { resource: 'https://API.example.test/mcp' }, "must be written as 'https://api.example.test/mcp'"],
    ['a fragment', { resource: 'https://api.example.test/mcp#a' }, 'must not have a fragment'],
    ['http on a public host', { resource: 'http://api.example.test/mcp' }, 'must be an https URL'],
    ['a number', { resource: 42 }, 'resource'],
    ['an audience without the resource', { audience: 'https://other.example.test' }, 'does not contain resource'],
    ['metadata without resource', { resource: undefined, audience: RESOURCE, metadata: true }, 'metadata: needs resource'],
    ['no audience and no resource', { resource: undefined }, 'audience: required'],
    ['an empty hierarchy', { scopeHierarchy: {} }, 'scopeHierarchy: names no rule'],
    ['a hierarchy with a bad scope', { scopeHierarchy: { implies: { 'a b': ['c'] } } }, 'is not a valid scope'],
    ['a non-https documentation URL', { metadata: { resourceDocumentation: 'http://docs.example.test' } }, 'metadata.resourceDocumentation'],
    ['a misspelt metadata member', { metadata: { resource_name: 'x' } }, 'metadata'],
  ])('refuses %s at startup', (_, extra, message) => {
    expect(() => createVerifier(options(extra as Partial<VerifierOptions>))).toThrow(TollgateConfigError);
    expect(() => createVerifier(options(extra as Partial<VerifierOptions>))).toThrow(message);
  });

  it('accepts an audience that contains the resource beside others', () => {
    expect(createVerifier(options({ audience: [RESOURCE, 'https://legacy.example.test'] })).options.audiences).toEqual([RESOURCE, 'https://legacy.example.test']);
  });

  it('needs authorizationServers with an issuer pattern', () => {
    expect(() => createVerifier(options({ issuer: { pattern: 'https://{tenant}.auth.example.test/', tenants: ['a'] } }))).toThrow('metadata.authorizationServers: required');
    expect(() =>
      createVerifier(options({ issuer: { pattern: 'https://{tenant}.auth.example.test/', tenants: ['a'] }, metadata: { authorizationServers: ['https://a.auth.example.test/'] } })),
    ).not.toThrow();
  });
});

describe('resource_metadata in challenges', () => {
  it('is in the 401 without a token, the 401 for a bad token and the 403 of a scope guard', async () => {
    const verifier = createVerifier(options());
    const missing = await refusal(verifier.authenticate(request()));
    expect(missing.wwwAuthenticate()).toBe(`Bearer realm="api", resource_metadata="${METADATA}"`);
    const invalid = await refusal(verifier.authenticate(request(await issuer.sign({ aud: 'https://api.example.test/mcp2' }))));
    expect(invalid.wwwAuthenticate()).toContain(`error="invalid_token"`);
    expect(invalid.wwwAuthenticate()).toContain(`resource_metadata="${METADATA}"`);
    const guard = createGuard(verifier, { scopes: ['tools:call', 'offline_access'] });
    const forbidden = await refusal(guard(request(await issuer.sign({ scope: 'tools:list' })), {}));
    expect(forbidden).toBeInstanceOf(InsufficientScopeError);
    expect(forbidden.wwwAuthenticate()).toBe(`Bearer realm="api", error="insufficient_scope", error_description="token lacks a required scope", scope="tools:call", resource_metadata="${METADATA}"`);
  });

  it('is on the DPoP challenge too', async () => {
    const verifier = createVerifier(options({ dpop: { required: true } }));
    const missing = await refusal(verifier.authenticate(request()));
    expect(missing.wwwAuthenticate()).toMatch(new RegExp(`^DPoP realm="api", resource_metadata="${METADATA}", algs="`));
  });

  it('is left out with metadata: false', async () => {
    const verifier = createVerifier(options({ metadata: false }));
    expect((await refusal(verifier.authenticate(request()))).wwwAuthenticate()).toBe('Bearer realm="api"');
    expect(() => createMetadataResponder(verifier)).toThrow(TollgateConfigError);
  });
});

describe('the metadata document', () => {
  it('lists the issuers, the scopes the guards require (never offline_access) and DPoP', () => {
    const verifier = createVerifier(options({ metadata: { resourceName: 'Tools "MCP"' } }));
    createGuard(verifier, { scopes: ['tools:call'] });
    createGuard(verifier, { scopes: ['tools:list', 'offline_access'], mode: 'any' });
    const responder = createMetadataResponder(verifier);
    const answer = responder.respond('GET', '/.well-known/oauth-protected-resource/mcp')!;
    expect(answer.status).toBe(200);
    expect(answer.headers).toMatchObject({ 'Content-Type': 'application/json', 'Access-Control-Allow-Origin': '*', 'Cache-Control': 'public, max-age=3600' });
    expect(JSON.parse(answer.body)).toEqual({
      resource: RESOURCE,
      authorization_servers: [issuer.issuer],
      scopes_supported: ['tools:call', 'tools:list'],
      bearer_methods_supported: ['header'],
      dpop_signing_alg_values_supported: verifier.options.dpop!.algorithms,
      dpop_bound_access_tokens_required: false,
      resource_name: 'Tools "MCP"',
    });
  });

  it.each([
    '/.well-known/oauth-protected-resource',
    '/.well-known/oauth-protected-resource/mcp/',
    '/.well-known/oauth-protected-resource/MCP',
    '/.well-known/oauth-protected-resource/x/../mcp',
    '/.well-known/oauth-protected-resource%2Fmcp',
    '/.well-known/oauth-protected-resource/mcp%2F',
    '/.well-known/oauth-protected-resource/mcp2',
    '/mcp/.well-known/oauth-protected-resource',
  ])('answers nothing for %s', (path) => {
    expect(createMetadataResponder(createVerifier(options())).respond('GET', path)).toBeUndefined();
  });

  it('answers OPTIONS with 204 and other methods with 405, with Allow', () => {
    const responder = createMetadataResponder(createVerifier(options()));
    expect(responder.respond('OPTIONS', responder.path)).toMatchObject({ status: 204, headers: { Allow: 'GET, HEAD, OPTIONS' } });
    expect(responder.respond('POST', responder.path)).toMatchObject({ status: 405, headers: { Allow: 'GET, HEAD, OPTIONS' }, body: '' });
    expect(responder.respond('HEAD', responder.path)).toMatchObject({ status: 200, body: '' });
  });
});

describe('scopeHierarchy', () => {
  it('implies (transitively, cycles included), wildcards, and a function that must return true', async () => {
    const verifier = createVerifier(
      options({
        scopeHierarchy: {
          implies: { admin: ['orders:admin'], 'orders:admin': ['orders:read', 'admin'] },
          wildcards: true,
          grants: (granted, required) => (required === 'odd' ? (undefined as unknown as boolean) : required === 'thrown' ? (() => { throw new Error('x'); })() : granted.includes('root')),
        },
      }),
    );
    const allowed = async (scope: string, required: string[], mode: 'all' | 'any' = 'all') =>
      createGuard(verifier, { scopes: required, mode })(request(await issuer.sign({ scope })), {}).then(
        () => true,
        (error: unknown) => (error instanceof InsufficientScopeError ? false : Promise.reject(error)),
      );
    expect(await allowed('admin', ['orders:read'])).toBe(true);
    expect(await allowed('orders:*', ['orders:read', 'orders:write'])).toBe(true);
    expect(await allowed('orders:*', ['ordersx:read'])).toBe(false);
    expect(await allowed('*', ['orders:read'])).toBe(false);
    expect(await allowed(':*', ['orders:read'])).toBe(false);
    expect(await allowed('root', ['anything'])).toBe(true);
    expect(await allowed('root', ['odd'])).toBe(false);
    expect(await allowed('root', ['thrown'])).toBe(false);
    expect(await allowed('orders:read', ['orders:admin'])).toBe(false);
  });

  it('lists the scopes the route names in the 403, not the broader ones that would grant them', async () => {
    const verifier = createVerifier(options({ scopeHierarchy: { wildcards: true } }));
    const error = await refusal(createGuard(verifier, { scopes: ['orders:read'] })(request(await issuer.sign({ scope: 'users:*' })), {}));
    expect(error.scope).toBe('orders:read');
  });
});

describe('step-up (RFC 9470)', () => {
  const NOW = 1_800_000_000;
  const verifier = () => createVerifier(options({ now: () => NOW * 1000, clockTolerance: 5 }));
  const guard = (stepUp: object) => createGuard(verifier(), { stepUp });
  const sign = (claims: Record<string, unknown>) => issuer.sign({ iat: NOW, exp: NOW + 600, ...claims });

  it('accepts a token whose acr is required and auth_time recent', async () => {
    await expect(guard({ acrValues: ['phr', 'phrh'], maxAge: 300 })(request(await sign({ acr: 'phrh', auth_time: NOW - 200 })), {})).resolves.toBeDefined();
  });

  it.each([
    ['no acr', { auth_time: NOW }],
    ['another acr', { acr: 'pwd', auth_time: NOW }],
    ['an acr that is not a string', { acr: ['phr'], auth_time: NOW }],
    ['no auth_time', { acr: 'phr' }],
    ['an auth_time as text', { acr: 'phr', auth_time: String(NOW) }],
    ['an old auth_time', { acr: 'phr', auth_time: NOW - 306 }],
    ['an auth_time in the future', { acr: 'phr', auth_time: NOW + 60 }],
  ])('refuses %s with 401 insufficient_user_authentication', async (_, claims) => {
    const error = await refusal(guard({ acrValues: ['phr'], maxAge: 300 })(request(await sign(claims)), {}));
    expect(error).toBeInstanceOf(InsufficientUserAuthenticationError);
    expect(error.status).toBe(401);
    expect(error.wwwAuthenticate()).toBe(
      `Bearer realm="api", error="insufficient_user_authentication", error_description="a stronger or more recent user authentication is required", acr_values="phr", max_age=300, resource_metadata="${METADATA}"`,
    );
  });

  it.each([[{}], [{ acrValues: [] }], [{ maxAge: -1 }], [{ maxAge: 1.5 }], [{ acrValues: ['a b'] }], [{ acr: ['x'] }], [undefined]])('refuses %j at startup', (stepUp) => {
    expect(() => createGuard(verifier(), { stepUp } as never)).toThrow(TollgateConfigError);
  });
});

describe('values that would render wrongly or vanish are startup errors', () => {
  it("refuses '__proto__' in scopeHierarchy.implies (zod would drop it silently)", () => {
    expect(() => createVerifier(options({ scopeHierarchy: { implies: JSON.parse('{"__proto__":["orders:read"],"a":["b"]}') } }))).toThrow(/__proto__/);
    // A literal { __proto__: [...] } sets the prototype instead of a key: refused too.
    expect(() => createVerifier(options({ scopeHierarchy: { implies: { __proto__: ['orders:read'] } as never } }))).toThrow(/plain object/);
    expect(() => createVerifier(options({ scopeHierarchy: { implies: { a: ['b'] } } }))).not.toThrow();
  });

  it('refuses a metadata.cacheMaxAge that is not whole seconds (it is sent as max-age)', () => {
    expect(() => createVerifier(options({ metadata: { cacheMaxAge: '1.5s' } }))).toThrow(/cacheMaxAge: must be whole seconds|whole seconds/);
    expect(createVerifier(options({ metadata: { cacheMaxAge: '10m' } })).options.metadata && createMetadataResponder(createVerifier(options({ metadata: { cacheMaxAge: '10m' } }))).respond('GET', '/.well-known/oauth-protected-resource/mcp')!.headers['Cache-Control']).toBe('public, max-age=600');
  });

  it('refuses a step-up maxAge past the safe integers (it would render as 1e+21)', () => {
    expect(() => createGuard(createVerifier(options()), { stepUp: { maxAge: 1e21 } })).toThrow(TollgateConfigError);
    expect(() => createGuard(createVerifier(options()), { stepUp: { maxAge: 300 } })).not.toThrow();
  });
});
