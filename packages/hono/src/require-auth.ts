// Hono middleware: requireAuth, requireScope, requireAnyScope, requireClaims, configure; the token at c.get('auth').
import { bindRequests, DefaultConfiguration, defineMiddleware, metadataResponderFor, TollgateError } from '@tollgate/core';
import type { AccessToken, AdapterOptions, ClaimRuleSet, GuardOptions, StepUpRequirement, Verifier } from '@tollgate/core';
import type { Context, MiddlewareHandler } from 'hono';
import { TollgateHttpException } from './http-exception.js';

/** Options of {@link requireAuth}: the verifier's (`issuer`, `audience`, ...) plus `optional`, `allowQuery`, `allowBody`, `realm`. */
export type HonoAuthOptions = AdapterOptions;

/** The context variables tollgate sets: `c.get('auth')`, `c.var.auth`. Undefined where no token was verified. */
export interface TollgateVariables {
  /** The verified access token. */
  auth?: AccessToken;
}

/** The Hono `Env` of tollgate's middleware, so a chain `app.get(path, requireAuth(...), handler)` types `c.get('auth')`. */
export interface TollgateEnv {
  /** The variables tollgate sets. */
  Variables: TollgateVariables;
}

/** Tollgate's Hono middleware. */
export type TollgateMiddleware = MiddlewareHandler<TollgateEnv>;

const defaults = new DefaultConfiguration('@tollgate/hono');

// A form body is read only once something before tollgate parsed it (`c.req.parseBody()`, which Hono
// caches): tollgate never buffers an unauthenticated client's body itself. Kept per request context.
const forms = new WeakMap<Context, Record<string, string[]>>();

/**
 * Node-style lower-cased headers read from the Fetch `Headers` on demand. A repeated header arrives
 * there merged (`Bearer a, Bearer b`), which core refuses as malformed: never half-accepted.
 */
function headerRecord(headers: Headers): Record<string, string | undefined> {
  return new Proxy({} as Record<string, string | undefined>, {
    get: (_target, name) => (typeof name === 'string' ? (headers.get(name) ?? undefined) : undefined),
    has: (_target, name) => typeof name === 'string' && headers.has(name),
  });
}

/**
 * The raw header list of the Node request behind this one (@hono/node-server passes it as
 * `c.env.incoming`), where two Authorization headers are still two. Other runtimes give none; a value
 * that is not Node's list is ignored. It can only add a refusal: the token is read from `c.req`.
 */
/** Node's own request under `@hono/node-server` (`c.env.incoming`); `undefined` on other runtimes. */
function nodeIncoming(env: unknown): { rawHeaders?: unknown; url?: unknown; socket?: unknown } | undefined {
  if (typeof env !== 'object' || env === null) return undefined;
  const incoming = (env as { incoming?: unknown }).incoming;
  return typeof incoming === 'object' && incoming !== null ? incoming : undefined;
}

function nodeRawHeaders(env: unknown): readonly string[] | undefined {
  const incoming = nodeIncoming(env);
  if (incoming === undefined) return undefined;
  const raw = incoming.rawHeaders;
  if (!Array.isArray(raw)) return undefined;
  for (let i = 0; i < raw.length; i += 1) if (typeof raw[i] !== 'string') return undefined;
  return raw as string[];
}

/**
 * The request URL for DPoP. On Node, an absolute-form request target (`GET https://other.example/x`) becomes
 * the URL as it came, scheme and host included: no URL then, so no proof matches.
 */
function dpopRequestUrl(c: Context): string | undefined {
  const target = nodeIncoming(c.env)?.url;
  if (typeof target === 'string' && !target.startsWith('/')) return undefined;
  return c.req.url;
}

/** The socket of the Node request behind this one (@hono/node-server's `c.env.incoming`); other runtimes have none. */
function nodeSocket(env: unknown): object | undefined {
  const socket = nodeIncoming(env)?.socket;
  return typeof socket === 'object' && socket !== null ? socket : undefined;
}

const runGuard = bindRequests<Context>({
  read: (c) => ({
    headers: headerRecord(c.req.raw.headers),
    rawHeaders: nodeRawHeaders(c.env),
    method: c.req.method,
    // queries() parses the whole query string: a URL without one has no token there.
    query: c.req.url.includes('?') ? c.req.queries() : undefined,
    body: forms.get(c),
    // For a DPoP proof's htu: the URL as the runtime built it (on Node, from the Host header and the
    // socket; never from a forwarded header). Behind a proxy, set `dpop.publicUrl`.
    url: () => dpopRequestUrl(c),
    // On Node, the connection whose TLS client certificate a certificate-bound token names (RFC 8705).
    socket: nodeSocket(c.env),
  }),
  getAuth: (c) => (c.get('auth') as AccessToken | undefined),
  setAuth: (c, token) => {
    c.set('auth', token);
  },
});

/** Keeps the form something before tollgate parsed; `undefined` (no promise to wait for) when there is none. */
function readParsedForm(c: Context): Promise<void> | undefined {
  const cached = c.req.bodyCache.formData;
  if (!cached || forms.has(c)) return undefined;
  return Promise.resolve(cached).then((form) => {
    const body: Record<string, string[]> = {};
    for (const key of new Set(form.keys())) body[key] = form.getAll(key).filter((value): value is string => typeof value === 'string');
    forms.set(c, body);
  });
}

// A refusal is thrown as an HTTPException carrying tollgate's response: Hono's default handler and a
// user's app.onError both answer it; anything else (a TollgateConfigError) is thrown as it is (a 500).
const middleware = defineMiddleware<TollgateMiddleware>(defaults, (guard) => async (c, next) => {
  try {
    const form = readParsedForm(c);
    if (form) await form;
    await runGuard(guard, c);
  } catch (error) {
    throw error instanceof TollgateError ? new TollgateHttpException(error) : error;
  }
  await next();
});

/**
 * Sets the options that a standalone `requireScope` uses on a request no `requireAuth` ran on.
 * Validated now. One default for the whole process (the last call wins): an app that serves several
 * APIs gives each its own `requireAuth` instead.
 * @example configure({ issuer: 'https://auth.example.com/', audience: 'https://api.example.com' });
 */
export const configure: (options: HonoAuthOptions | Verifier, guardOptions?: GuardOptions) => Verifier = middleware.configure;

/**
 * Authenticates every request: sets `c.get('auth')`, or throws a {@link TollgateHttpException} (RFC
 * 6750 status, `WWW-Authenticate`, JSON body). The scope guards after it on the same request go by its decision.
 * @example app.use('/api/*', requireAuth({ issuer: 'https://auth.example.com/', audience: 'https://api.example.com' }));
 * @see RFC 6750 section 2.1
 */
export const requireAuth: (options: HonoAuthOptions | Verifier, guardOptions?: GuardOptions) => TollgateMiddleware = middleware.requireAuth;

/**
 * Requires every listed scope (403 `insufficient_scope` otherwise). Uses what the `requireAuth` before
 * it on this request decided; with none, authenticates with the options of `configure()`; without
 * those it fails closed (500, TollgateConfigError). An empty list is refused at startup.
 * @example app.get('/orders', requireScope('orders:read'), (c) => c.json({ client: c.get('auth')?.clientId }));
 * @see RFC 6750 section 3.1
 */
export const requireScope: (...scopes: string[]) => TollgateMiddleware = middleware.requireScope;

/**
 * Requires at least one of the listed scopes.
 * @example app.get('/orders', requireAnyScope('orders:read', 'orders:admin'), listOrders);
 */
export const requireAnyScope: (...scopes: string[]) => TollgateMiddleware = middleware.requireAnyScope;

/**
 * Requires the token's claims to satisfy `rules`: rules by claim name, a validator, or a list of both
 * (see {@link ClaimRuleSet}). A failed rule is a 403 `insufficient_scope` without a `scope` attribute
 * (the token is valid, but not for this route); a validator that throws, returns no boolean or times
 * out is a 503. Like `requireScope`, it goes by the `requireAuth` before it, else `configure()`, else
 * fails closed; an empty or invalid rule set is refused at startup.
 * @example app.get('/admin', requireClaims({ groups: { includes: 'admin' } }), (c) => c.json({ ok: true }));
 * @see RFC 6750 section 3.1
 */
export const requireClaims: (rules: ClaimRuleSet) => TollgateMiddleware = middleware.requireClaims;

/**
 * Requires a strong or recent enough user authentication behind the token (RFC 9470): its `acr` among
 * `acrValues` and/or its `auth_time` within `maxAge`. Otherwise 401 `insufficient_user_authentication`
 * with `acr_values` / `max_age` in the challenge; a token without `acr` or `auth_time` never satisfies it.
 * @example app.post('/payments', requireAuth(verifier), requireStepUp({ acrValues: ['urn:example:mfa'], maxAge: '5m' }), pay);
 * @see RFC 9470 section 3
 */
export const requireStepUp: (requirement: StepUpRequirement) => TollgateMiddleware = middleware.requireStepUp;

/**
 * The request's path as the client sent it: on Node (@hono/node-server) the raw `IncomingMessage.url`,
 * before the Fetch `Request` resolved `..` segments; elsewhere the URL as the runtime parsed it.
 */
function rawPath(c: Context): string {
  const incoming = (c.env as { incoming?: { url?: unknown } } | undefined)?.incoming;
  const url = typeof incoming?.url === 'string' ? incoming.url : c.req.url.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '');
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/**
 * Serves the verifier's Protected Resource Metadata (RFC 9728) at the one path its `resource` implies
 * (`/.well-known/oauth-protected-resource` plus the resource's path, section 3.1): GET and HEAD get the
 * JSON document (public, cacheable, CORS `*`), OPTIONS a preflight answer, other methods 405; every other
 * path goes on. Mount it with `app.use(...)` on the app itself, before the guards. Without an argument it
 * serves `configure()`'s verifier, which must be set by then.
 * @example app.use(protectedResourceMetadata(verifier));
 * @see RFC 9728 sections 3 and 3.1
 */
export function protectedResourceMetadata(options?: HonoAuthOptions | Verifier): MiddlewareHandler {
  const metadata = metadataResponderFor(options, defaults);
  return async (c, next) => {
    const answer = metadata.respond(c.req.method, rawPath(c));
    if (!answer) return next();
    return new Response(answer.body === '' ? null : answer.body, { status: answer.status, headers: answer.headers });
  };
}
