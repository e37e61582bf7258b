// THE conformance table: every HTTP case, with the exact response every adapter must give.
// The runner (conformance.test.ts) sends each case to each (framework, major version) pair.
// Expected values follow design.md and RFC 6750; every error response also carries `Cache-Control: no-store`.
import { createHmac } from 'node:crypto';
import { createDpopKey, createDpopProof, encodeJwt, tamperSignature, type DpopKey, type DpopProofOptions, type SignOptions, type TestIssuer } from '@tollgate/testing';
import { startServer, type LocalServer } from '../../packages/core/test/support/jwks-support.js';
import type { SendRequest, SendResponse } from './http.js';
import {
  DECORATED_SCOPE,
  INTROSPECTION_COOLDOWN,
  REALM,
  RESOURCE,
  RESOURCE_METADATA_PATH,
  RESOURCE_METADATA_URL,
  STALE_JWKS,
  MAIN_COOLDOWN,
  OUTAGE_COOLDOWN,
  type AppName,
  type RouteBody,
} from './spec.js';

/** A clock the verifier reads (`now` option) and the cases move; frozen unless advanced. */
export class TestClock {
  #ms: number;
  constructor(startMs = Date.now()) {
    this.#ms = startMs;
  }
  readonly now = (): number => this.#ms;
  /** The current time in epoch seconds, as tokens carry it. */
  seconds(): number {
    return Math.floor(this.#ms / 1000);
  }
  advance(seconds: number): void {
    this.#ms += seconds * 1000;
  }
}

/** What a case can use to build its request and to prepare or restore the world around it. */
export interface CaseContext {
  /** The issuer of the app under test (see `ISSUER_OF` in spec.ts). */
  readonly issuer: TestIssuer;
  /** The clock of the app under test. */
  readonly clock: TestClock;
  /** Mints a token with the app's issuer, at the app's clock. */
  sign(claims?: Record<string, unknown>, options?: SignOptions): Promise<string>;
  /** Sends a request to the app under test (for warm-ups in `setup`). */
  send(request: SendRequest): Promise<SendResponse>;
  /** `http://127.0.0.1:<port>` of the app under test: the origin a DPoP proof's htu names. */
  readonly origin: string;
}

/** The exact response. */
export interface Expected {
  status: number;
  /** The exact `WWW-Authenticate` value, or `null` when it must be absent. */
  wwwAuthenticate: string | null;
  /** The exact `Retry-After` value, or `null` (the default) when it must be absent. */
  retryAfter?: string | null;
  /** The media type, without parameters. */
  contentType: 'application/json' | 'application/problem+json';
  /** The exact JSON body. */
  body: unknown;
}

export interface ConformanceCase {
  name: string;
  /** The app the case runs against (see spec.ts). */
  app: AppName;
  /** Runs before the request is built (e.g. a fault on the issuer). */
  setup?: (ctx: CaseContext) => Promise<void> | void;
  request: (ctx: CaseContext) => SendRequest | Promise<SendRequest>;
  /** Always runs after the request, even when it failed. */
  teardown?: (ctx: CaseContext) => Promise<void> | void;
  expect: Expected;
  /** How many JWKS requests the app's issuer serves while the request (not the setup) runs. */
  jwksRequests?: number;
  /** Whether the response carries a `DPoP-Nonce` header (RFC 9449 section 9). Default `false`. */
  dpopNonce?: boolean;
}

// ---- expected responses ------------------------------------------------------------------------

const JSON_TYPE = 'application/json';
const PROBLEM_TYPE = 'application/problem+json';
const REALM_ATTR = `realm="${REALM}"`;

/** RFC 6750 section 3.1: no credentials at all, so no error attribute. */
const missingToken: Expected = {
  status: 401,
  wwwAuthenticate: `Bearer ${REALM_ATTR}`,
  contentType: JSON_TYPE,
  body: { error_description: 'bearer token required' },
};
/**
 * RFC 6750 section 3.1: credentials of another authentication scheme are no bearer credentials, so the
 * answer is that of a request without any (status and bare challenge); the description says why.
 */
const otherScheme: Expected = { ...missingToken, body: { error_description: 'bearer token required; the Authorization header uses another scheme' } };

const refusal = (status: number, error: string, description: string, scope?: string): Expected => ({
  status,
  wwwAuthenticate: `Bearer ${REALM_ATTR}, error="${error}", error_description="${description}"${scope ? `, scope="${scope}"` : ''}`,
  contentType: JSON_TYPE,
  body: { error, error_description: description },
});
const invalidRequest = (description: string) => refusal(400, 'invalid_request', description);
const invalidToken = (description: string) => refusal(401, 'invalid_token', description);
/** A route's claim rule failed: 403 insufficient_scope without a scope attribute (no scope would help). */
const insufficientClaims = refusal(403, 'insufficient_scope', 'token claims do not permit this request');
const insufficientScope = (scope: string, mode: 'all' | 'any' = 'all') =>
  refusal(403, 'insufficient_scope', mode === 'any' ? 'token lacks any of the required scopes' : 'token lacks a required scope', scope);

/** The same refusal, its challenge pointing to the `resource` app's metadata (RFC 9728 section 5.1). */
const withMetadata = (expected: Expected): Expected => ({ ...expected, wwwAuthenticate: `${expected.wwwAuthenticate}, resource_metadata="${RESOURCE_METADATA_URL}"` });
/** RFC 9470 section 3: the step-up refusal of the `resource` app's /stepup route. */
const stepUpRefusal: Expected = {
  status: 401,
  wwwAuthenticate: `Bearer ${REALM_ATTR}, error="insufficient_user_authentication", error_description="a stronger or more recent user authentication is required", acr_values="phr", max_age=300, resource_metadata="${RESOURCE_METADATA_URL}"`,
  contentType: JSON_TYPE,
  body: { error: 'insufficient_user_authentication', error_description: 'a stronger or more recent user authentication is required' },
};

const ok = (route: string, auth: RouteBody['auth']): Expected => ({
  status: 200,
  wwwAuthenticate: null,
  contentType: JSON_TYPE,
  body: { route, auth } satisfies RouteBody,
});
/** The token summary of a default token (client `client-123`) with these scopes. */
const client = (...scopes: string[]): RouteBody['auth'] => ({ clientId: 'client-123', scopes });

// ---- DPoP (RFC 9449) -------------------------------------------------------------------------------

/** The default proof algorithms, as the `algs` of a DPoP challenge. */
const DPOP_ALGS = 'ES256 ES384 ES512 PS256 RS256 EdDSA Ed25519';
/**
 * RFC 9449 section 7.1: both schemes accepted, so both challenges; the error goes on the DPoP one for a
 * DPoP request.
 */
function dpopRefusal(description: string, error = 'invalid_dpop_proof', extra = ''): Expected {
  return {
    status: 401,
    wwwAuthenticate: `Bearer ${REALM_ATTR}, DPoP ${REALM_ATTR}, error="${error}", error_description="${description}"${extra}, algs="${DPOP_ALGS}"`,
    contentType: JSON_TYPE,
    body: { error, error_description: description },
  };
}

let dpopKeys: Promise<[DpopKey, DpopKey]> | undefined;
/** The DPoP client key of the cases, and another one (made once). */
const clientKeys = () => (dpopKeys ??= Promise.all([createDpopKey('ES256'), createDpopKey('ES256')]));

/** A token bound to the cases' client key (or to `to`). */
async function boundToken(ctx: CaseContext, claims: Record<string, unknown> = {}, to?: DpopKey): Promise<string> {
  const key = to ?? (await clientKeys())[0];
  return ctx.sign({ cnf: key.cnf, ...claims });
}

/** A proof for GET `path` on the app under test, at the app's clock, for `token`. */
async function proofFor(ctx: CaseContext, path: string, token: string, overrides: Partial<DpopProofOptions> = {}): Promise<string> {
  const [key] = await clientKeys();
  return createDpopProof({ key, method: 'GET', url: `${ctx.origin}${path}`, token, iat: ctx.clock.seconds(), ...overrides });
}

/** GET with `Authorization: DPoP <token>` and each proof as its own DPoP header. */
const dpopGet = (path: string, token: string, proofs: string | readonly string[], query?: SendRequest['query']): SendRequest =>
  get(path, [['Authorization', `DPoP ${token}`], ...(typeof proofs === 'string' ? [proofs] : proofs).map((proof) => ['DPoP', proof] as const)], query);

/** A DPoP request for GET `path` whose proof is built with `overrides`. */
const dpopCase = (path: string, overrides: Partial<DpopProofOptions> = {}) => async (ctx: CaseContext) => {
  const token = await boundToken(ctx);
  return dpopGet(path, token, await proofFor(ctx, path, token, overrides));
};

// ---- the introspection endpoint of the `introspect` app -----------------------------------------

/** Opaque tokens the endpoint knows: what it answers for each (any other token: not active). */
const INTROSPECTED = {
  read: 'opaque-read-0123456789',
  noScope: 'opaque-noscope-0123456789',
  otherAudience: 'opaque-audience-0123456789',
  failing: 'opaque-fail-0123456789',
} as const;

/**
 * Starts the `introspect` app's endpoint on 127.0.0.1: RFC 7662 answers for the {@link INTROSPECTED} tokens
 * of `issuer`, a 500 for `failing`, `{ active: false }` for anything else. Real time: tokens live 10 minutes.
 */
export async function startIntrospectionEndpoint(issuer: TestIssuer): Promise<LocalServer> {
  return startServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const token = new URLSearchParams(Buffer.concat(chunks).toString('utf8')).get('token');
      if (token === INTROSPECTED.failing) return void res.writeHead(500).end();
      const active = { active: true, iss: issuer.issuer, aud: issuer.audience, exp: Math.floor(Date.now() / 1000) + 600, client_id: 'opaque-client' };
      const answers: Record<string, object> = {
        [INTROSPECTED.read]: { ...active, scope: 'orders:read' },
        [INTROSPECTED.noScope]: active,
        [INTROSPECTED.otherAudience]: { ...active, aud: 'https://other.example.test', scope: 'orders:read' },
      };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answers[token ?? ''] ?? { active: false }));
    });
  });
}

// ---- request helpers ---------------------------------------------------------------------------

const get = (path: string, headers: SendRequest['headers'] = [], query?: SendRequest['query']): SendRequest =>
  query ? { path, headers, query } : { path, headers };
const authorization = (value: string): SendRequest['headers'] => [['Authorization', value]];
const bearer = (token: string) => authorization(`Bearer ${token}`);

// ---- the table ---------------------------------------------------------------------------------

export const cases: readonly ConformanceCase[] = [
  // -- transport: RFC 6750 section 2 ---------------------------------------------------------------
  { name: 'no token at all: 401 with a bare challenge', app: 'main', request: () => get('/me'), expect: missingToken },
  {
    name: 'valid token in the Authorization header',
    app: 'main',
    request: async (ctx) => get('/me', bearer(await ctx.sign())),
    expect: ok('/me', client()),
  },
  {
    name: '"Bearer" with no token after it: 400',
    app: 'main',
    request: () => get('/me', authorization('Bearer')),
    expect: invalidRequest('malformed Authorization header'),
  },
  {
    name: 'lowercase "bearer" scheme is accepted (schemes are case-insensitive)',
    app: 'main',
    request: async (ctx) => get('/me', authorization(`bearer ${await ctx.sign()}`)),
    expect: ok('/me', client()),
  },
  {
    name: 'several spaces after "Bearer" are accepted (1*SP)',
    app: 'main',
    request: async (ctx) => get('/me', authorization(`Bearer   ${await ctx.sign()}`)),
    expect: ok('/me', client()),
  },
  {
    name: 'another scheme (Basic): 401 with a bare challenge, as without credentials',
    app: 'main',
    request: () => get('/me', authorization(`Basic ${Buffer.from('user:pass').toString('base64')}`)),
    expect: otherScheme,
  },
  {
    name: 'a bare word (no scheme, e.g. "badtoken"): 401 with a bare challenge, as another scheme',
    app: 'main',
    request: () => get('/me', authorization('badtoken')),
    expect: otherScheme,
  },
  {
    name: 'the DPoP scheme without a DPoP proof: 401 invalid_dpop_proof on the DPoP challenge (RFC 9449 section 7.1)',
    app: 'main',
    request: async (ctx) => get('/me', authorization(`DPoP ${await ctx.sign()}`)),
    expect: dpopRefusal('DPoP proof required'),
  },
  {
    name: 'scope route, another scheme (Basic): 401 with a bare challenge, not 400 or 403',
    app: 'main',
    request: () => get('/orders', authorization('Basic dXNlcjpwYXNz')),
    expect: otherScheme,
  },
  {
    name: 'empty Authorization header: 400',
    app: 'main',
    request: () => get('/me', authorization('')),
    expect: invalidRequest('malformed Authorization header'),
  },
  {
    name: 'two tokens in one Authorization header: 400',
    app: 'main',
    request: async (ctx) => get('/me', authorization(`Bearer ${await ctx.sign()} ${await ctx.sign()}`)),
    expect: invalidRequest('malformed Authorization header'),
  },
  {
    name: 'token with characters outside b64token: 400',
    app: 'main',
    request: () => get('/me', authorization('Bearer abc$def')),
    expect: invalidRequest('malformed Authorization header'),
  },
  {
    name: 'token in the query where it is not allowed: 400',
    app: 'main',
    request: async (ctx) => get('/me', [], { access_token: await ctx.sign() }),
    expect: invalidRequest('access_token in the query is not accepted; use the Authorization header'),
  },
  {
    name: 'token in the header and in the query: 400',
    app: 'main',
    request: async (ctx) => get('/me', bearer(await ctx.sign()), { access_token: await ctx.sign() }),
    expect: invalidRequest('token sent by more than one method'),
  },
  {
    name: 'two Authorization headers, both valid tokens: 400',
    app: 'main',
    request: async (ctx) => get('/me', [['Authorization', `Bearer ${await ctx.sign()}`], ['Authorization', `Bearer ${await ctx.sign()}`]]),
    expect: invalidRequest('more than one Authorization header'),
  },

  // -- the token itself: 401 invalid_token -----------------------------------------------------------
  {
    name: 'not a JWS (two segments): 401 malformed',
    app: 'main',
    request: () => get('/me', bearer('abc.def')),
    expect: invalidToken('malformed token'),
  },
  {
    name: 'expired token',
    app: 'main',
    request: async (ctx) => get('/me', bearer(await ctx.sign({}, { now: ctx.clock.seconds() - 600 }))),
    expect: invalidToken('token expired'),
  },
  {
    name: 'token not yet valid (nbf in the future)',
    app: 'main',
    request: async (ctx) => get('/me', bearer(await ctx.sign({ nbf: ctx.clock.seconds() + 600 }))),
    expect: invalidToken('token not yet valid'),
  },
  {
    name: 'wrong audience',
    app: 'main',
    request: async (ctx) => get('/me', bearer(await ctx.sign({ aud: 'https://other-api.example.test' }))),
    expect: invalidToken('audience mismatch'),
  },
  {
    name: 'wrong issuer',
    app: 'main',
    request: async (ctx) => get('/me', bearer(await ctx.sign({ iss: 'https://evil.example.test/' }))),
    expect: invalidToken('issuer mismatch'),
  },
  {
    name: 'bad signature',
    app: 'main',
    request: async (ctx) => get('/me', bearer(tamperSignature(await ctx.sign()))),
    expect: invalidToken('invalid signature'),
  },
  {
    name: 'alg "none" (unsigned token)',
    app: 'main',
    request: (ctx) => get('/me', bearer(ctx.issuer.unsafe.algNone({ iat: ctx.clock.seconds(), exp: ctx.clock.seconds() + 300 }))),
    expect: invalidToken('algorithm not allowed'),
  },
  {
    name: 'HS256 signed with the public key (key confusion)',
    app: 'main',
    request: (ctx) => get('/me', bearer(ctx.issuer.unsafe.hmacWithPublicKey({ iat: ctx.clock.seconds(), exp: ctx.clock.seconds() + 300 }))),
    expect: invalidToken('algorithm not allowed'),
  },
  {
    name: 'explicit token type other than at+jwt/JWT (dpop+jwt)',
    app: 'main',
    request: async (ctx) => get('/me', bearer(await ctx.sign({}, { header: { typ: 'dpop+jwt' } }))),
    expect: invalidToken('token type not accepted'),
  },
  {
    name: 'scope claim of the wrong type (a number)',
    app: 'main',
    request: async (ctx) => get('/me', bearer(await ctx.sign({ scope: 42 }))),
    expect: invalidToken('invalid scope claim'),
  },
  {
    name: 'oversized token (> 8 KiB): 401 before any parsing',
    app: 'main',
    request: async (ctx) => {
      const token = await ctx.sign({ padding: 'x'.repeat(9000) });
      if (token.length <= 8192) throw new Error(`token is only ${token.length} characters`);
      return get('/me', bearer(token));
    },
    expect: invalidToken('token too large'),
  },
  {
    name: 'key rotation: a freshly published key verifies on its first use',
    app: 'main',
    request: async (ctx) => {
      const key = await ctx.issuer.rotate({ alg: 'ES256' });
      return get('/me', bearer(await ctx.sign({}, { kid: key.kid })));
    },
    expect: ok('/me', client()),
    jwksRequests: 1,
  },
  {
    name: 'key rotation: a key that is not published is unknown after a refetch',
    app: 'main',
    request: async (ctx) => {
      const key = await ctx.issuer.rotate({ alg: 'ES256', publish: false });
      return get('/me', bearer(await ctx.sign({}, { kid: key.kid })));
    },
    // The refetch that missed started the cooldown for unknown kids; move past it so later cases can refetch.
    teardown: (ctx) => ctx.clock.advance(MAIN_COOLDOWN + 1),
    expect: invalidToken('unknown signing key'),
    jwksRequests: 1,
  },

  // -- scopes: 403 insufficient_scope ------------------------------------------------------------------
  { name: 'scope route without a token: 401', app: 'main', request: () => get('/orders'), expect: missingToken },
  {
    name: 'scope route, token without the scope: 403',
    app: 'main',
    request: async (ctx) => get('/orders', bearer(await ctx.sign({ scope: 'orders:list profile' }))),
    expect: insufficientScope('orders:read'),
  },
  {
    name: 'scope route, scope in the space-delimited "scope" claim',
    app: 'main',
    request: async (ctx) => get('/orders', bearer(await ctx.sign({ scope: 'profile orders:read' }))),
    expect: ok('/orders', client('profile', 'orders:read')),
  },
  {
    name: 'scope route, scopes in the "scp" array claim',
    app: 'main',
    request: async (ctx) => get('/orders', bearer(await ctx.sign({ scp: ['orders:read', 'orders:write'] }))),
    expect: ok('/orders', client('orders:read', 'orders:write')),
  },
  {
    name: 'scope route, scopes in a "scope" array claim (as some issuers send it)',
    app: 'main',
    request: async (ctx) => get('/orders', bearer(await ctx.sign({ scope: ['orders:read', 'orders:write'] }))),
    expect: ok('/orders', client('orders:read', 'orders:write')),
  },
  {
    name: 'scope route, a "scope" array member holding a space: 401 (one scope or two?)',
    app: 'main',
    request: async (ctx) => get('/orders', bearer(await ctx.sign({ scope: ['orders:read orders:write'] }))),
    expect: invalidToken('invalid scope claim'),
  },
  {
    name: 'a "scope" array with a non-string member: 401',
    app: 'main',
    request: async (ctx) => get('/me', bearer(await ctx.sign({ scope: ['orders:read', 7] }))),
    expect: invalidToken('invalid scope claim'),
  },
  {
    name: 'scope route, a bad token is 401, not 403',
    app: 'main',
    request: async (ctx) => get('/orders', bearer(tamperSignature(await ctx.sign({ scope: 'orders:read' })))),
    expect: invalidToken('invalid signature'),
  },
  {
    name: 'any-of route with one of the scopes',
    app: 'main',
    request: async (ctx) => get('/any', bearer(await ctx.sign({ scope: 'b' }))),
    expect: ok('/any', client('b')),
  },
  {
    name: 'any-of route with one of the scopes in "scp"',
    app: 'main',
    request: async (ctx) => get('/any', bearer(await ctx.sign({ scp: ['a'] }))),
    expect: ok('/any', client('a')),
  },
  {
    name: 'any-of route with none of the scopes: 403 naming both',
    app: 'main',
    request: async (ctx) => get('/any', bearer(await ctx.sign({ scope: 'orders:read' }))),
    expect: insufficientScope('a b', 'any'),
  },

  // -- optional authentication -------------------------------------------------------------------------
  { name: 'optional route without a token: 200, no auth', app: 'main', request: () => get('/optional'), expect: ok('/optional', null) },
  {
    name: 'optional route with a valid token',
    app: 'main',
    request: async (ctx) => get('/optional', bearer(await ctx.sign({ scope: 'profile' }))),
    expect: ok('/optional', client('profile')),
  },
  {
    name: 'optional route with a bad token: 401',
    app: 'main',
    request: async (ctx) => get('/optional', bearer(await ctx.sign({}, { now: ctx.clock.seconds() - 600 }))),
    expect: invalidToken('token expired'),
  },
  {
    name: 'optional route with a malformed Bearer header: 400',
    app: 'main',
    request: () => get('/optional', authorization('Bearer a b')),
    expect: invalidRequest('malformed Authorization header'),
  },
  {
    name: 'optional route with another scheme (Basic, e.g. added by a proxy): 200, no auth, as without a token',
    app: 'main',
    request: () => get('/optional', authorization('Basic dXNlcjpwYXNz')),
    expect: ok('/optional', null),
  },
  {
    name: 'optional route with a bare word: 200, no auth',
    app: 'main',
    request: () => get('/optional', authorization('badtoken')),
    expect: ok('/optional', null),
  },
  {
    name: 'optional route with the DPoP scheme but no proof: 401 (a token that is present is checked, proof included)',
    app: 'main',
    request: async (ctx) => get('/optional', authorization(`DPoP ${await ctx.sign({ scope: 'profile' })}`)),
    expect: dpopRefusal('DPoP proof required'),
  },
  {
    name: 'optional route with a DPoP-bound token and its proof: 200 with auth',
    app: 'main',
    request: async (ctx) => {
      const token = await boundToken(ctx, { scope: 'profile' });
      return dpopGet('/optional', token, await proofFor(ctx, '/optional', token));
    },
    expect: ok('/optional', client('profile')),
  },

  // -- decorated controller method: same answers as the middleware ---------------------------------------
  {
    name: `decorated handler (@RequireScope('${DECORATED_SCOPE}')) with the scope`,
    app: 'main',
    request: async (ctx) => get('/decorated', bearer(await ctx.sign({ scope: DECORATED_SCOPE }))),
    expect: ok('/decorated', client(DECORATED_SCOPE)),
  },
  {
    name: 'decorated handler without the scope: 403',
    app: 'main',
    request: async (ctx) => get('/decorated', bearer(await ctx.sign({ scope: 'orders:read' }))),
    expect: insufficientScope(DECORATED_SCOPE),
  },
  { name: 'decorated handler without a token: 401', app: 'main', request: () => get('/decorated'), expect: missingToken },
  {
    name: 'decorated handler with an expired token: 401',
    app: 'main',
    request: async (ctx) => get('/decorated', bearer(await ctx.sign({ scope: DECORATED_SCOPE }, { now: ctx.clock.seconds() - 600 }))),
    expect: invalidToken('token expired'),
  },

  // -- problem+json renderer: status and challenge kept, body replaced ------------------------------------
  {
    name: 'problem+json route, missing scope: 403 problem',
    app: 'main',
    request: async (ctx) => get('/problem', bearer(await ctx.sign({ scope: 'profile' }))),
    expect: {
      ...insufficientScope('orders:read'),
      contentType: PROBLEM_TYPE,
      body: { type: 'about:blank', title: 'insufficient_scope', status: 403, detail: 'token lacks a required scope', scope: 'orders:read' },
    },
  },
  {
    name: 'problem+json route without a token: 401 problem, bare challenge',
    app: 'main',
    request: () => get('/problem'),
    expect: { ...missingToken, contentType: PROBLEM_TYPE, body: { type: 'about:blank', title: 'unauthorized', status: 401, detail: 'bearer token required' } },
  },
  {
    name: 'problem+json route with a good token',
    app: 'main',
    request: async (ctx) => get('/problem', bearer(await ctx.sign({ scope: 'orders:read' }))),
    expect: ok('/problem', client('orders:read')),
  },

  // -- a route/app that accepts the token in the query (RFC 6750 section 2.3) ----------------------------
  {
    name: 'query route: token in the query is accepted',
    app: 'query',
    request: async (ctx) => get('/query', [], { access_token: await ctx.sign({ scope: 'orders:read' }) }),
    expect: ok('/query', client('orders:read')),
  },
  {
    name: 'query route: token in the header is still accepted',
    app: 'query',
    request: async (ctx) => get('/query', bearer(await ctx.sign())),
    expect: ok('/query', client()),
  },
  {
    name: 'query route: token in the header and in the query: 400',
    app: 'query',
    request: async (ctx) => get('/query', bearer(await ctx.sign()), { access_token: await ctx.sign() }),
    expect: invalidRequest('token sent by more than one method'),
  },
  {
    name: 'query route: access_token given twice: 400',
    app: 'query',
    request: async (ctx) => get('/query', [], { access_token: [await ctx.sign(), await ctx.sign()] }),
    expect: invalidRequest('access_token must be given once'),
  },
  {
    name: 'query route: empty access_token: 400',
    app: 'query',
    request: () => get('/query', [], { access_token: '' }),
    expect: invalidRequest('malformed access_token'),
  },
  {
    name: 'query route: expired token in the query: 401',
    app: 'query',
    request: async (ctx) => get('/query', [], { access_token: await ctx.sign({}, { now: ctx.clock.seconds() - 600 }) }),
    expect: invalidToken('token expired'),
  },
  { name: 'query route: no token at all: 401', app: 'query', request: () => get('/query'), expect: missingToken },
  {
    name: 'query route: a Basic header and a query token are one bearer method: accepted',
    app: 'query',
    request: async (ctx) => get('/query', authorization('Basic dXNlcjpwYXNz'), { access_token: await ctx.sign({ scope: 'orders:read' }) }),
    expect: ok('/query', client('orders:read')),
  },
  {
    name: 'query route: a Basic header alone: 401 with a bare challenge',
    app: 'query',
    request: () => get('/query', authorization('Basic dXNlcjpwYXNz')),
    expect: otherScheme,
  },
  {
    name: 'a Basic header and a query token where the query is not allowed: 400 (the query token is refused)',
    app: 'main',
    request: async (ctx) => get('/me', authorization('Basic dXNlcjpwYXNz'), { access_token: await ctx.sign() }),
    expect: invalidRequest('access_token in the query is not accepted; use the Authorization header'),
  },

  // -- claim rules: a route's (403, authorization) and the verifier's (401, token validity) -----------------
  {
    name: 'claims route, token satisfying every rule (groups as an array)',
    app: 'main',
    request: async (ctx) => get('/claims', bearer(await ctx.sign({ tenant: 'acme', groups: ['dev', 'admin'] }))),
    expect: ok('/claims', client()),
  },
  {
    name: 'claims route, groups as a space-delimited string including the word',
    app: 'main',
    request: async (ctx) => get('/claims', bearer(await ctx.sign({ tenant: 'acme', groups: 'dev admin' }))),
    expect: ok('/claims', client()),
  },
  {
    name: 'claims route, another tenant: 403 insufficient_scope without a scope attribute, no claim value echoed',
    app: 'main',
    request: async (ctx) => get('/claims', bearer(await ctx.sign({ tenant: 'globex', groups: ['admin'] }))),
    expect: insufficientClaims,
  },
  {
    name: 'claims route, the tenant as an array holding it: 403 (equals never matches an array)',
    app: 'main',
    request: async (ctx) => get('/claims', bearer(await ctx.sign({ tenant: ['acme'], groups: ['admin'] }))),
    expect: insufficientClaims,
  },
  {
    name: 'claims route, a word that only starts like the group: 403',
    app: 'main',
    request: async (ctx) => get('/claims', bearer(await ctx.sign({ tenant: 'acme', groups: 'administrators' }))),
    expect: insufficientClaims,
  },
  {
    name: 'claims route, the validator refuses (a revoked token): 403',
    app: 'main',
    request: async (ctx) => get('/claims', bearer(await ctx.sign({ tenant: 'acme', groups: ['admin'], jti: 'revoked' }))),
    expect: insufficientClaims,
  },
  {
    name: 'claims route, the validator throws: 503 with Retry-After, never a pass or a 500',
    app: 'main',
    request: async (ctx) => get('/claims', bearer(await ctx.sign({ tenant: 'acme', groups: ['admin'], jti: 'crash' }))),
    expect: { ...refusal(503, 'temporarily_unavailable', 'token claims could not be checked'), retryAfter: '5' },
  },
  { name: 'claims route without a token: 401 with a bare challenge', app: 'main', request: () => get('/claims'), expect: missingToken },
  {
    name: 'claims route, a bad token is 401, not 403',
    app: 'main',
    request: async (ctx) => get('/claims', bearer(tamperSignature(await ctx.sign({ tenant: 'acme', groups: ['admin'] })))),
    expect: invalidToken('invalid signature'),
  },
  {
    name: 'verifier claims: a token of the required tenant',
    app: 'claims',
    request: async (ctx) => get('/me', bearer(await ctx.sign({ tenant: 'acme' }))),
    expect: ok('/me', client()),
  },
  {
    name: 'verifier claims: another tenant is an invalid token here: 401 invalid_token',
    app: 'claims',
    request: async (ctx) => get('/me', bearer(await ctx.sign({ tenant: 'globex' }))),
    expect: invalidToken('token claims not accepted'),
  },
  {
    name: 'verifier claims: no tenant claim at all: 401 invalid_token',
    app: 'claims',
    request: async (ctx) => get('/me', bearer(await ctx.sign())),
    expect: invalidToken('token claims not accepted'),
  },

  // -- requireScope on its own, after configure() (Fastify: the plugin's global scopes) -------------------
  { name: 'app-wide requireScope without a token: 401', app: 'standalone', request: () => get('/standalone'), expect: missingToken },
  {
    name: 'app-wide requireScope, token without the scope: 403',
    app: 'standalone',
    request: async (ctx) => get('/standalone', bearer(await ctx.sign({ scope: 'profile' }))),
    expect: insufficientScope('orders:read'),
  },
  {
    name: 'app-wide requireScope, token with the scope',
    app: 'standalone',
    request: async (ctx) => get('/standalone', bearer(await ctx.sign({ scope: 'orders:read' }))),
    expect: ok('/standalone', client('orders:read')),
  },
  {
    name: 'app-wide requireScope, bad signature: 401',
    app: 'standalone',
    request: async (ctx) => get('/standalone', bearer(tamperSignature(await ctx.sign({ scope: 'orders:read' })))),
    expect: invalidToken('invalid signature'),
  },

  // -- JWKS outages ------------------------------------------------------------------------------------
  {
    name: 'JWKS down, cached keys expired but within staleIfError: served stale, 200',
    app: 'stale',
    setup: async (ctx) => {
      const warm = await ctx.send(get('/me', bearer(await ctx.sign())));
      if (warm.status !== 200) throw new Error(`warm-up request failed: ${warm.status} ${warm.text}`);
      ctx.issuer.setFault({ kind: 'down' }, 'jwks');
      ctx.clock.advance(STALE_JWKS.cacheMaxAge + 60);
    },
    request: async (ctx) => get('/me', bearer(await ctx.sign({ scope: 'orders:read' }))),
    teardown: (ctx) => ctx.issuer.setFault(null),
    expect: ok('/me', client('orders:read')),
    jwksRequests: 1,
  },
  {
    name: 'JWKS down and no key ever fetched: 503 with Retry-After',
    app: 'outage',
    request: async (ctx) => get('/me', bearer(await ctx.sign())),
    expect: {
      status: 503,
      wwwAuthenticate: `Bearer ${REALM_ATTR}, error="temporarily_unavailable", error_description="signing keys are temporarily unavailable"`,
      retryAfter: String(OUTAGE_COOLDOWN),
      contentType: JSON_TYPE,
      body: { error: 'temporarily_unavailable', error_description: 'signing keys are temporarily unavailable' },
    },
  },
  {
    name: 'JWKS down, scope route: 503 (not 401/403), no new fetch during the cooldown',
    app: 'outage',
    setup: async (ctx) => {
      // Make sure one fetch has failed already, whatever ran before: this request falls in its cooldown.
      await ctx.send(get('/me', bearer(await ctx.sign())));
    },
    request: async (ctx) => get('/orders', bearer(await ctx.sign({ scope: 'orders:read' }))),
    expect: {
      status: 503,
      wwwAuthenticate: `Bearer ${REALM_ATTR}, error="temporarily_unavailable", error_description="signing keys are temporarily unavailable"`,
      retryAfter: String(OUTAGE_COOLDOWN),
      contentType: JSON_TYPE,
      body: { error: 'temporarily_unavailable', error_description: 'signing keys are temporarily unavailable' },
    },
    jwksRequests: 0,
  },
  { name: 'JWKS down, no token: still 401 with a bare challenge', app: 'outage', request: () => get('/me'), expect: missingToken },
  // -- static keys (the `keys` option), strict mode: nothing is ever fetched --------------------------
  { name: 'static keys: no token at all: 401', app: 'static', request: () => get('/me'), expect: missingToken, jwksRequests: 0 },
  {
    name: 'static keys: a valid token, verified without any JWKS request',
    app: 'static',
    request: async (ctx) => get('/me', bearer(await ctx.sign())),
    expect: ok('/me', client()),
    jwksRequests: 0,
  },
  {
    name: 'static keys: scope route with the space-delimited "scope" claim',
    app: 'static',
    request: async (ctx) => get('/orders', bearer(await ctx.sign({ scope: 'orders:read' }))),
    expect: ok('/orders', client('orders:read')),
    jwksRequests: 0,
  },
  {
    name: 'static keys, strict: a "scope" array is refused (RFC 9068 section 2.2.3: a string)',
    app: 'static',
    request: async (ctx) => get('/orders', bearer(await ctx.sign({ scope: ['orders:read'] }))),
    expect: invalidToken('invalid scope claim'),
    jwksRequests: 0,
  },
  {
    name: 'static keys: an unknown kid is 401 at once (nothing to refetch)',
    app: 'static',
    request: async (ctx) => get('/me', bearer(await ctx.sign({}, { header: { kid: 'not-configured' } }))),
    expect: invalidToken('unknown signing key'),
    jwksRequests: 0,
  },
  {
    name: 'static keys: a tampered signature is 401',
    app: 'static',
    request: async (ctx) => get('/me', bearer(tamperSignature(await ctx.sign()))),
    expect: invalidToken('invalid signature'),
    jwksRequests: 0,
  },

  // -- opaque tokens by introspection (RFC 7662) ------------------------------------------------------
  {
    name: 'introspection: an active opaque token with the scope',
    app: 'introspect',
    request: () => get('/orders', bearer(INTROSPECTED.read)),
    expect: ok('/orders', { clientId: 'opaque-client', scopes: ['orders:read'] }),
    jwksRequests: 0,
  },
  {
    name: 'introspection: an active opaque token without the scope: 403',
    app: 'introspect',
    request: () => get('/orders', bearer(INTROSPECTED.noScope)),
    expect: insufficientScope('orders:read'),
  },
  { name: 'introspection: an opaque token that is not active: 401', app: 'introspect', request: () => get('/me', bearer('opaque-unknown-0123456789')), expect: invalidToken('token is not active') },
  {
    name: 'introspection: an active opaque token for another audience: 401',
    app: 'introspect',
    request: () => get('/me', bearer(INTROSPECTED.otherAudience)),
    expect: invalidToken('audience mismatch'),
  },
  {
    name: 'introspection: a JWT beside it is still verified locally',
    app: 'introspect',
    request: async (ctx) => get('/orders', bearer(await ctx.sign({ scope: 'orders:read' }))),
    expect: ok('/orders', client('orders:read')),
  },
  {
    name: 'introspection: the endpoint failing: 503 with Retry-After, never 401',
    app: 'introspect',
    request: () => get('/me', bearer(INTROSPECTED.failing)),
    // The next case of this app must not fall in the cooldown.
    teardown: (ctx) => ctx.clock.advance(INTROSPECTION_COOLDOWN + 1),
    expect: {
      status: 503,
      wwwAuthenticate: `Bearer ${REALM_ATTR}, error="temporarily_unavailable", error_description="token introspection is temporarily unavailable"`,
      retryAfter: String(INTROSPECTION_COOLDOWN),
      contentType: JSON_TYPE,
      body: { error: 'temporarily_unavailable', error_description: 'token introspection is temporarily unavailable' },
    },
  },
  // -- DPoP (RFC 9449) ------------------------------------------------------------------------------
  {
    name: 'DPoP by default: a bound token with its proof is accepted',
    app: 'main',
    request: dpopCase('/me'),
    expect: ok('/me', client()),
  },
  {
    name: 'DPoP by default: a bound token sent as a Bearer token is refused (RFC 9449 section 7.2), DPoP challenge beside',
    app: 'main',
    request: async (ctx) => get('/me', bearer(await boundToken(ctx))),
    expect: {
      status: 401,
      wwwAuthenticate: `Bearer ${REALM_ATTR}, error="invalid_token", error_description="sender-constrained token used as a bearer token", DPoP ${REALM_ATTR}, algs="${DPOP_ALGS}"`,
      contentType: JSON_TYPE,
      body: { error: 'invalid_token', error_description: 'sender-constrained token used as a bearer token' },
    },
  },
  { name: 'DPoP: a valid proof, scope route', app: 'dpop', request: async (ctx) => {
    const token = await boundToken(ctx, { scope: 'orders:read' });
    return dpopGet('/orders', token, await proofFor(ctx, '/orders', token));
  }, expect: ok('/orders', client('orders:read')) },
  { name: 'DPoP: a valid proof, decorated route (configure())', app: 'dpop', request: async (ctx) => {
    const token = await boundToken(ctx, { scope: DECORATED_SCOPE });
    return dpopGet('/decorated', token, await proofFor(ctx, '/decorated', token));
  }, expect: ok('/decorated', client(DECORATED_SCOPE)) },
  {
    name: 'DPoP: a bound token lacking the scope: 403 on the DPoP challenge',
    app: 'dpop',
    request: dpopCase('/orders'),
    expect: {
      status: 403,
      wwwAuthenticate: `Bearer ${REALM_ATTR}, DPoP ${REALM_ATTR}, error="insufficient_scope", error_description="token lacks a required scope", scope="orders:read", algs="${DPOP_ALGS}"`,
      contentType: JSON_TYPE,
      body: { error: 'insufficient_scope', error_description: 'token lacks a required scope' },
    },
  },
  {
    name: 'DPoP: a replayed proof is refused, though the token is cached',
    app: 'dpop',
    request: async (ctx) => {
      const token = await boundToken(ctx);
      const proof = await proofFor(ctx, '/me', token);
      const first = await ctx.send(dpopGet('/me', token, proof));
      if (first.status !== 200) throw new Error(`the first use of the proof was refused: ${first.status}`);
      return dpopGet('/me', token, proof);
    },
    expect: dpopRefusal('DPoP proof replayed'),
  },
  { name: 'DPoP: wrong htm', app: 'dpop', request: dpopCase('/me', { method: 'POST' }), expect: dpopRefusal('DPoP proof htm does not match the request method') },
  { name: 'DPoP: wrong htu (another origin)', app: 'dpop', request: dpopCase('/me', { url: 'http://127.0.0.1:1/me' }), expect: dpopRefusal('DPoP proof htu does not match the request URL') },
  {
    name: 'DPoP: wrong htu (another route of the same app)',
    app: 'dpop',
    request: async (ctx) => {
      const token = await boundToken(ctx);
      return dpopGet('/me', token, await proofFor(ctx, '/orders', token));
    },
    expect: dpopRefusal('DPoP proof htu does not match the request URL'),
  },
  {
    name: 'DPoP: a query in the request and in htu is ignored (RFC 9449 section 4.3: query and fragment ignored)',
    app: 'dpop',
    request: async (ctx) => {
      const token = await boundToken(ctx);
      return dpopGet('/me', token, await proofFor(ctx, '/me', token, { claims: { htu: `${ctx.origin}/me?page=2` } }), { page: '2' });
    },
    expect: ok('/me', client()),
  },
  { name: 'DPoP: ath of another token', app: 'dpop', request: dpopCase('/me', { token: 'another-access-token' }), expect: dpopRefusal('DPoP proof ath does not match the access token') },
  {
    name: 'DPoP: a token bound to another key (cnf.jkt mismatch)',
    app: 'dpop',
    request: async (ctx) => {
      const token = await boundToken(ctx, {}, (await clientKeys())[1]);
      return dpopGet('/me', token, await proofFor(ctx, '/me', token));
    },
    expect: dpopRefusal('DPoP proof key does not match the token binding'),
  },
  {
    name: 'DPoP: an expired proof (iat 301 s old)',
    app: 'dpop',
    request: async (ctx) => dpopCase('/me', { iat: ctx.clock.seconds() - 301 })(ctx),
    expect: dpopRefusal('DPoP proof is too old or issued in the future'),
  },
  {
    name: 'DPoP: a proof from the future (iat 301 s ahead)',
    app: 'dpop',
    request: async (ctx) => dpopCase('/me', { iat: ctx.clock.seconds() + 301 })(ctx),
    expect: dpopRefusal('DPoP proof is too old or issued in the future'),
  },
  {
    name: 'DPoP: two DPoP headers',
    app: 'dpop',
    request: async (ctx) => {
      const token = await boundToken(ctx);
      return dpopGet('/me', token, [await proofFor(ctx, '/me', token), await proofFor(ctx, '/me', token)]);
    },
    expect: dpopRefusal('more than one DPoP proof'),
  },
  {
    name: 'DPoP: a private key in the jwk header',
    app: 'dpop',
    request: async (ctx) => dpopCase('/me', { header: { jwk: (await clientKeys())[0].privateJwk } })(ctx),
    expect: dpopRefusal('DPoP proof key must be a public key'),
  },
  {
    name: 'DPoP: an HS256 proof',
    app: 'dpop',
    request: async (ctx) => {
      const token = await boundToken(ctx);
      const [key] = await clientKeys();
      const input = encodeJwt({ typ: 'dpop+jwt', alg: 'HS256', jwk: key.publicJwk }, { jti: 'hs256', htm: 'GET', htu: `${ctx.origin}/me`, iat: ctx.clock.seconds() }).slice(0, -1);
      return dpopGet('/me', token, `${input}.${createHmac('sha256', 'secret').update(input).digest('base64url')}`);
    },
    expect: dpopRefusal('DPoP proof algorithm not allowed'),
  },
  { name: 'DPoP: an unsigned proof (alg none)', app: 'dpop', request: dpopCase('/me', { header: { alg: 'none' }, signed: false }), expect: dpopRefusal('DPoP proof algorithm not allowed') },
  {
    name: 'DPoP: an unbound token with the DPoP scheme: invalid_token on the DPoP challenge',
    app: 'dpop',
    request: async (ctx) => {
      const token = await ctx.sign();
      return dpopGet('/me', token, await proofFor(ctx, '/me', token));
    },
    expect: dpopRefusal('token is not bound to a DPoP key', 'invalid_token'),
  },
  {
    name: 'DPoP configured: no token at all: a bare challenge of each scheme',
    app: 'dpop',
    request: () => get('/me'),
    expect: { ...missingToken, wwwAuthenticate: `Bearer ${REALM_ATTR}, DPoP ${REALM_ATTR}, algs="${DPOP_ALGS}"` },
  },
  {
    name: 'DPoP configured: a bearer token is still accepted',
    app: 'dpop',
    request: async (ctx) => get('/me', bearer(await ctx.sign())),
    expect: ok('/me', client()),
  },
  {
    name: 'DPoP nonce: a proof without a nonce: 401 use_dpop_nonce with a DPoP-Nonce header',
    app: 'dpopNonce',
    request: dpopCase('/me'),
    expect: dpopRefusal('DPoP proof must carry a current server nonce', 'use_dpop_nonce'),
    dpopNonce: true,
  },
  {
    name: 'DPoP nonce: required, then given: accepted',
    app: 'dpopNonce',
    request: async (ctx) => {
      const token = await boundToken(ctx);
      const first = await ctx.send(dpopGet('/me', token, await proofFor(ctx, '/me', token)));
      const nonce = first.headers['dpop-nonce'];
      if (first.status !== 401 || typeof nonce !== 'string') throw new Error('no nonce was asked for');
      return dpopGet('/me', token, await proofFor(ctx, '/me', token, { nonce }));
    },
    expect: ok('/me', client()),
  },
  {
    name: 'DPoP required: a bearer token is refused, with the DPoP challenge only',
    app: 'dpopRequired',
    request: async (ctx) => get('/me', bearer(await ctx.sign())),
    expect: {
      status: 401,
      wwwAuthenticate: `DPoP ${REALM_ATTR}, error="invalid_token", error_description="DPoP-bound token required", algs="ES256 EdDSA"`,
      contentType: JSON_TYPE,
      body: { error: 'invalid_token', error_description: 'DPoP-bound token required' },
    },
  },
  {
    name: 'DPoP required: no token at all: the DPoP challenge only',
    app: 'dpopRequired',
    request: () => get('/me'),
    expect: { ...missingToken, wwwAuthenticate: `DPoP ${REALM_ATTR}, algs="ES256 EdDSA"` },
  },
  { name: 'DPoP required: a bound token with its proof is accepted', app: 'dpopRequired', request: dpopCase('/me'), expect: ok('/me', client()) },

  // -- RFC 9728 / RFC 8707 / RFC 9470: the `resource` app --------------------------------------------
  {
    name: 'resource: no token: 401 with a bare challenge that points to the metadata (RFC 9728 section 5.1)',
    app: 'resource',
    request: () => get('/me'),
    expect: withMetadata(missingToken),
  },
  {
    name: 'resource: a token for the resource is accepted (the audience defaults to it)',
    app: 'resource',
    request: async (ctx) => get('/me', bearer(await ctx.sign({ aud: RESOURCE }))),
    expect: ok('/me', client()),
  },
  ...[
    ['a sibling resource (/mcp2)', 'https://api.example.test/mcp2'],
    ['another port', 'https://api.example.test:8443/mcp'],
    ['an upper-case host', 'https://API.example.test/mcp'],
    ['another path case', 'https://api.example.test/MCP'],
    ['the origin alone', 'https://api.example.test'],
  ].map(
    ([what, aud]): ConformanceCase => ({
      name: `resource: a token for ${what} is refused: 401 invalid_token pointing to the metadata`,
      app: 'resource',
      request: async (ctx) => get('/me', bearer(await ctx.sign({ aud }))),
      expect: withMetadata(invalidToken('audience mismatch')),
    }),
  ),
  {
    name: 'resource: a missing scope: 403 naming it and the metadata',
    app: 'resource',
    request: async (ctx) => get('/orders', bearer(await ctx.sign({ aud: RESOURCE, scope: 'orders:write' }))),
    expect: withMetadata(insufficientScope('orders:read')),
  },
  {
    name: 'resource: a wildcard scope (orders:*) grants orders:read under scopeHierarchy',
    app: 'resource',
    request: async (ctx) => get('/orders', bearer(await ctx.sign({ aud: RESOURCE, scope: 'orders:*' }))),
    expect: ok('/orders', client('orders:*')),
  },
  {
    name: 'resource: a bare * grants nothing',
    app: 'resource',
    request: async (ctx) => get('/orders', bearer(await ctx.sign({ aud: RESOURCE, scope: '*' }))),
    expect: withMetadata(insufficientScope('orders:read')),
  },
  {
    name: 'step-up: a token with a required acr and a recent auth_time is accepted',
    app: 'resource',
    request: async (ctx) => get('/stepup', bearer(await ctx.sign({ aud: RESOURCE, acr: 'phr', auth_time: ctx.clock.seconds() - 60 }))),
    expect: ok('/stepup', client()),
  },
  ...[
    ['no acr', (now: number) => ({ auth_time: now })],
    ['another acr', (now: number) => ({ acr: 'pwd', auth_time: now })],
    ['no auth_time', () => ({ acr: 'phr' })],
    ['an auth_time older than max_age', (now: number) => ({ acr: 'phr', auth_time: now - 400 })],
    ['an auth_time in the future', (now: number) => ({ acr: 'phr', auth_time: now + 120 })],
  ].map(
    ([what, claims]): ConformanceCase => ({
      name: `step-up: ${what as string}: 401 insufficient_user_authentication with acr_values and max_age (RFC 9470)`,
      app: 'resource',
      request: async (ctx) => get('/stepup', bearer(await ctx.sign({ aud: RESOURCE, ...(claims as (now: number) => object)(ctx.clock.seconds()) }))),
      expect: stepUpRefusal,
    }),
  ),
  {
    name: 'resource: the metadata document at the path-suffixed well-known URL (RFC 9728 section 3.1)',
    app: 'resource',
    request: () => get(RESOURCE_METADATA_PATH),
    expect: {
      status: 200,
      wwwAuthenticate: null,
      contentType: JSON_TYPE,
      body: {
        resource: RESOURCE,
        authorization_servers: ['https://auth.example.test/'],
        scopes_supported: ['orders:read'],
        bearer_methods_supported: ['header'],
        resource_name: 'Conformance',
      },
    },
  },
];
