// The shared route spec of the conformance suite: which apps exist, which routes each one has, and
// what a route answers when it lets a request through. Every app factory builds exactly these routes.
import type { AccessToken, ClaimRuleSet, ClaimValidator, GuardOptions, StepUpRequirement, VerifierOptions } from '@tollgate/core';
import type { JsonWebKey } from 'node:crypto';
import type { Server } from 'node:http';

/** Realm of every app's challenge. */
export const REALM = 'conformance';

/** The scope of the decorated controller method (`@RequireScope(DECORATED_SCOPE)`); decorator arguments are static. */
export const DECORATED_SCOPE = 'orders:write';

/**
 * How one route is protected. Each factory maps a kind to its framework's own idiom:
 * - `auth`: authentication only (Express/Koa `requireAuth`, Fastify global plugin hook).
 * - `scopes`: all of `scopes` (Express/Koa `requireAuth` + `requireScope`, Fastify `config: { scopes }`).
 * - `anyScopes`: one of `scopes` (Express/Koa `requireAnyScope`, Fastify `preHandler: app.requireAnyScope(...)`).
 * - `optional`: a token is checked when present (Express/Koa `requireAuth(v, { optional: true })`, Fastify `config: { auth: 'optional' }`).
 * - `decorated`: a controller method decorated with `@RequireScope(DECORATED_SCOPE)`, no other middleware.
 * - `problem`: all of `scopes`, errors rendered by `tollgateErrorHandler({ render: renderProblemJson })`
 *   (Express: a router with its own error handler; Koa: route-level handler; Fastify: an encapsulated
 *   context with its own error handler and `preHandler: app.requireScope(...)`).
 * - `plain`: no guard of its own (protected by the app-wide `requireScope` of the `app-wide-scope` layout).
 * - `claims`: authentication, then the route's claim rules (Express/Koa/Hono `requireAuth` + `requireClaims`,
 *   Fastify `config: { claims }`, Nest `@Claims`).
 * - `stepUp`: authentication, then RFC 9470 step-up (Express/Koa/Hono `requireAuth` + `requireStepUp`,
 *   Fastify `config: { stepUp }`, Nest `@StepUp`).
 *
 * An app whose verifier has `resource` also serves its RFC 9728 metadata: Express/Koa/Hono
 * `protectedResourceMetadata(verifier)`, Fastify the plugin itself, Nest the platform's own (Express
 * middleware, or a Fastify registration with `global: false`).
 */
export type RouteSpec =
  | { path: string; kind: 'auth' | 'optional' | 'decorated' | 'plain' }
  | { path: string; kind: 'scopes' | 'anyScopes' | 'problem'; scopes: readonly string[] }
  | { path: string; kind: 'claims'; claims: ClaimRuleSet }
  | { path: string; kind: 'stepUp'; stepUp: StepUpRequirement };

/**
 * The validator of the `/claims` route: refuses the token whose `jti` is `revoked`, and fails (as a
 * revocation store that is down would) for the one whose `jti` is `crash`.
 */
export const notRevoked: ClaimValidator = function notRevoked(claims) {
  if (claims.jti === 'crash') throw new Error('revocation store unreachable');
  return claims.jti !== 'revoked';
};

/** The claim rules of the `/claims` route (route level: 403 when one fails). */
export const ROUTE_CLAIMS: ClaimRuleSet = [{ tenant: 'acme', groups: { includes: 'admin' } }, notRevoked];

/** One app, as every factory must build it. */
export interface AppSpec {
  /** Options of the verifier (issuer, audience, keys, realm, clock). */
  verifier: VerifierOptions;
  /** Transport options every guard of the app uses (e.g. `allowQuery`). */
  guard: GuardOptions;
  /**
   * `per-route`: each route carries its own guard.
   * `app-wide-scope`: `configure()` (Fastify: the plugin) and then one app-wide `requireScope(...appScopes)`
   * (Fastify: the plugin's global `scopes`), with no `requireAuth` anywhere.
   */
  layout: 'per-route' | 'app-wide-scope';
  appScopes?: readonly string[];
  routes: readonly RouteSpec[];
}

/**
 * Builds the app of `spec` with a framework module. The server is returned without listening;
 * the runner listens on 127.0.0.1 and closes it.
 */
export type AppFactory<FrameworkModule> = (framework: FrameworkModule, spec: AppSpec) => Promise<Server>;

/** What every route answers when it lets a request through: the route and a summary of the token. */
export interface RouteBody {
  route: string;
  auth: { clientId: string | null; scopes: string[] } | null;
}

/** The 2xx body of every route, identical in every framework. */
export function routeBody(route: string, auth: AccessToken | null | undefined): RouteBody {
  return { route, auth: auth ? { clientId: auth.clientId ?? null, scopes: [...auth.scopes] } : null };
}

/** The apps each framework runs, each built right before its cases. */
export const APP_NAMES = ['main', 'query', 'standalone', 'stale', 'outage', 'claims', 'static', 'introspect', 'dpop', 'dpopNonce', 'dpopRequired', 'resource'] as const;
export type AppName = (typeof APP_NAMES)[number];

/** Which issuer each app trusts: `outage` is an issuer whose endpoints are down from the start. */
export const ISSUER_OF: Readonly<Record<AppName, 'main' | 'outage'>> = {
  main: 'main',
  query: 'main',
  standalone: 'main',
  stale: 'main',
  outage: 'outage',
  claims: 'main',
  static: 'main',
  introspect: 'main',
  dpop: 'main',
  dpopNonce: 'main',
  dpopRequired: 'main',
  resource: 'main',
};

/** The `resource` app's canonical resource URI (RFC 8707), and where its metadata lives (RFC 9728 section 3.1). */
export const RESOURCE = 'https://api.example.test/mcp';
export const RESOURCE_METADATA_PATH = '/.well-known/oauth-protected-resource/mcp';
export const RESOURCE_METADATA_URL = `https://api.example.test${RESOURCE_METADATA_PATH}`;

/** The nonce secret of the `dpopNonce` app. */
export const DPOP_NONCE_SECRET = 'conformance-dpop-nonce-secret-0123456789';

/** What an app spec is built from: the issuers and the clock of the app under test. */
export interface SpecEnvironment {
  /** The issuer of every app but `outage`; the `static` app is given the public JWK of its first key. */
  issuer: { issuer: string; audience: string; jwksUri: string; keys: readonly { readonly publicJwk: JsonWebKey }[] };
  /** An issuer whose endpoints are down from the start (no key was ever fetched from it). */
  outage: { issuer: string; audience: string; jwksUri: string };
  /** The app's clock, in milliseconds. */
  now: () => number;
  /** The introspection endpoint of the `introspect` app (a local server that answers by token, see conformance.test.ts). */
  introspectionEndpoint: string;
}

/** Main app's JWKS cooldown, in seconds: a case that makes a refetch miss advances the clock past it. */
export const MAIN_COOLDOWN = 30;
/** The `stale` app's JWKS timing, in seconds. */
export const STALE_JWKS = { cacheMaxAge: 60, staleIfError: 600, cooldown: 30 } as const;
/** The `outage` app's cooldown, in seconds: the `Retry-After` of its 503 (its clock never moves). */
export const OUTAGE_COOLDOWN = 17;

/** The `introspect` app's cooldown after a failed introspection, in seconds: the `Retry-After` of its 503. */
export const INTROSPECTION_COOLDOWN = 9;

/** The spec of one app. */
export function appSpec(name: AppName, env: SpecEnvironment): AppSpec {
  const base = {
    issuer: env.issuer.issuer,
    audience: env.issuer.audience,
    realm: REALM,
    allowInsecureRequests: true,
    now: env.now,
  } satisfies VerifierOptions;
  switch (name) {
    case 'main':
      return {
        // No jwksUri: keys are found by RFC 8414 discovery, as in production.
        verifier: { ...base, jwks: { cooldown: MAIN_COOLDOWN } },
        guard: {},
        layout: 'per-route',
        routes: [
          { path: '/me', kind: 'auth' },
          { path: '/orders', kind: 'scopes', scopes: ['orders:read'] },
          { path: '/any', kind: 'anyScopes', scopes: ['a', 'b'] },
          { path: '/optional', kind: 'optional' },
          { path: '/decorated', kind: 'decorated' },
          { path: '/problem', kind: 'problem', scopes: ['orders:read'] },
          { path: '/claims', kind: 'claims', claims: ROUTE_CLAIMS },
        ],
      };
    case 'claims':
      return {
        // The verifier's own claim rules: part of every token's validity (401 when one fails).
        verifier: { ...base, jwksUri: env.issuer.jwksUri, claims: { tenant: 'acme' } },
        guard: {},
        layout: 'per-route',
        routes: [{ path: '/me', kind: 'auth' }],
      };
    case 'query':
      return {
        verifier: { ...base, jwksUri: env.issuer.jwksUri },
        guard: { allowQuery: true },
        layout: 'per-route',
        routes: [{ path: '/query', kind: 'auth' }],
      };
    case 'standalone':
      return {
        verifier: { ...base, jwksUri: env.issuer.jwksUri },
        guard: {},
        layout: 'app-wide-scope',
        appScopes: ['orders:read'],
        routes: [{ path: '/standalone', kind: 'plain' }],
      };
    case 'stale':
      return {
        verifier: { ...base, jwksUri: env.issuer.jwksUri, jwks: { ...STALE_JWKS } },
        guard: {},
        layout: 'per-route',
        routes: [{ path: '/me', kind: 'auth' }],
      };
    case 'static':
      return {
        // An air-gapped API: static keys (the issuer's default signing key), RFC 9068 strict mode, and a
        // fetch that fails if anything is ever fetched.
        verifier: {
          ...base,
          keys: { keys: [env.issuer.keys[0]!.publicJwk] },
          strict: true,
          fetch: () => Promise.reject(new Error('the static app must never fetch')),
        },
        guard: {},
        layout: 'per-route',
        routes: [
          { path: '/me', kind: 'auth' },
          { path: '/orders', kind: 'scopes', scopes: ['orders:read'] },
        ],
      };
    case 'outage':
      return {
        verifier: {
          ...base,
          issuer: env.outage.issuer,
          audience: env.outage.audience,
          jwksUri: env.outage.jwksUri,
          jwks: { cooldown: OUTAGE_COOLDOWN, timeout: 2 },
        },
        guard: {},
        layout: 'per-route',
        routes: [
          { path: '/me', kind: 'auth' },
          { path: '/orders', kind: 'scopes', scopes: ['orders:read'] },
        ],
      };
    case 'dpop':
      // DPoP configured (RFC 9449): both schemes accepted, so every challenge names both.
      return {
        verifier: { ...base, jwksUri: env.issuer.jwksUri, dpop: {} },
        guard: {},
        layout: 'per-route',
        routes: [
          { path: '/me', kind: 'auth' },
          { path: '/orders', kind: 'scopes', scopes: ['orders:read'] },
          { path: '/decorated', kind: 'decorated' },
        ],
      };
    case 'dpopNonce':
      return {
        verifier: { ...base, jwksUri: env.issuer.jwksUri, dpop: { nonce: { secret: DPOP_NONCE_SECRET } } },
        guard: {},
        layout: 'per-route',
        routes: [{ path: '/me', kind: 'auth' }],
      };
    case 'resource': {
      const { audience: _audience, ...withoutAudience } = base;
      return {
        // The document is the same on every adapter: scopes_supported given, not collected per app.
        verifier: {
          ...withoutAudience,
          resource: RESOURCE,
          metadata: { authorizationServers: ['https://auth.example.test/'], scopesSupported: ['orders:read'], resourceName: 'Conformance' },
          scopeHierarchy: { wildcards: true },
          dpop: false,
        },
        guard: {},
        layout: 'per-route',
        routes: [
          { path: '/me', kind: 'auth' },
          { path: '/orders', kind: 'scopes', scopes: ['orders:read'] },
          { path: '/stepup', kind: 'stepUp', stepUp: { acrValues: ['phr'], maxAge: 300 } },
        ],
      };
    }
    case 'dpopRequired':
      return {
        verifier: { ...base, jwksUri: env.issuer.jwksUri, dpop: { required: true, algorithms: ['ES256', 'EdDSA'] } },
        guard: {},
        layout: 'per-route',
        routes: [{ path: '/me', kind: 'auth' }],
      };
    case 'introspect':
      return {
        // Opaque tokens introspected (RFC 7662), JWTs verified locally with the keys found by discovery.
        verifier: {
          ...base,
          introspection: { endpoint: env.introspectionEndpoint, clientId: 'conformance-api', clientSecret: 'conformance-secret', cooldown: INTROSPECTION_COOLDOWN },
        },
        guard: {},
        layout: 'per-route',
        routes: [
          { path: '/me', kind: 'auth' },
          { path: '/orders', kind: 'scopes', scopes: ['orders:read'] },
        ],
      };
  }
}
