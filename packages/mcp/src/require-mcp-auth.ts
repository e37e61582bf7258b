// requireMcpAuth: Express middleware in front of the MCP SDK's transport, with tollgate's RFC 6750 challenges.
import { bindRequestsNow, createGuard, queryIfPresent, resolveAdapterOptions, TollgateConfigError } from '@tollgate/core';
import type { ErrorRenderer, GuardOptions, RequestAccess, Verifier, VerifierOptions } from '@tollgate/core';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { answer } from './lib/answer.js';
import { accessTokenOf, toAuthInfo, asMcpRequest, type McpRequest } from './lib/auth-info.js';
import { requestUrl } from './lib/request-url.js';
import { bindSessions } from './lib/session-guard.js';
import { sessionLimits, type SessionLimits } from './lib/sessions.js';
import { withScopeHint } from './lib/scope-hint.js';

/**
 * Options of {@link requireMcpAuth} besides the verifier's: the scopes every request needs, the realm, the
 * body of refusals, and the guard switches `optional` and `allowPreflight`. `allowQuery` and `allowBody`
 * are refused: the MCP authorization spec allows the token in the Authorization header only.
 */
export interface McpAuthOptions extends Pick<GuardOptions, 'optional' | 'realm' | 'allowPreflight'> {
  /** Scopes every request to the MCP endpoint needs (403 `insufficient_scope` naming them otherwise). */
  scopes?: readonly string[];
  /** Renders the body of a refusal; status and headers are tollgate's. Default: JSON `{ error, error_description }`. */
  render?: ErrorRenderer;
  /**
   * Binds each `Mcp-Session-Id` to the principal (issuer, subject, client) that opened or first used it, and
   * answers another principal's request with that id 404 (as for an unknown session), never the tool. On by
   * default: `true`, or `{ maxSessions, maxPerPrincipal }` (defaults 10,000 and 64, least recently used dropped
   * first). A session id over 256 characters or not visible ASCII is a 400. `false` turns it off: do so only
   * for a stateless server, or one that binds sessions itself; otherwise any valid token can use or end
   * anyone's session.
   */
  sessions?: boolean | Partial<SessionLimits>;
}

/** The first argument of {@link requireMcpAuth}: the verifier's options with {@link McpAuthOptions} beside them. */
export type McpServerAuthOptions = VerifierOptions & McpAuthOptions;

const OWN = ['scopes', 'render', 'sessions'] as const;

/** Takes this package's own options out of `input`, refusing a value given twice or a token transport MCP forbids. */
function split(input: McpServerAuthOptions | Verifier, beside: McpAuthOptions): { rest: VerifierOptions | Verifier; guard: GuardOptions; own: McpAuthOptions } {
  if (typeof beside !== 'object' || beside === null) throw new TollgateConfigError('requireMcpAuth: the second argument must be an options object');
  const own: Record<string, unknown> = {};
  const guard: Record<string, unknown> = { ...beside };
  let rest: VerifierOptions | Verifier = input;
  for (const key of OWN) {
    const inside = typeof input === 'object' && input !== null && Object.hasOwn(input, key) ? (input as unknown as Record<string, unknown>)[key] : undefined;
    if (inside !== undefined && beside[key] !== undefined && inside !== beside[key]) {
      throw new TollgateConfigError(`requireMcpAuth: ${key} is given twice with different values; give it once`);
    }
    // null is a wrong value, never "not given": it would otherwise fall back to the default.
    if (inside === null || beside[key] === null) throw new TollgateConfigError(`requireMcpAuth: ${key} cannot be null; leave it out for the default`);
    own[key] = beside[key] ?? inside;
    delete guard[key];
  }
  if (typeof input === 'object' && input !== null && OWN.some((key) => Object.hasOwn(input, key))) {
    const copy: Record<string, unknown> = { ...input };
    for (const key of OWN) delete copy[key];
    rest = copy as unknown as VerifierOptions;
  }
  for (const key of ['allowQuery', 'allowBody'] as const) {
    const value = guard[key] ?? (typeof input === 'object' && input !== null ? (input as unknown as Record<string, unknown>)[key] : undefined);
    // MCP authorization spec, "Token Requirements": the token goes in the Authorization header, never the query string.
    if (value !== undefined && value !== false) {
      throw new TollgateConfigError(`requireMcpAuth: ${key} is not allowed: the MCP authorization spec accepts a token in the Authorization header only; remove ${key}`);
    }
  }
  if (own.render !== undefined && typeof own.render !== 'function') throw new TollgateConfigError('requireMcpAuth: render must be a function (error) => { contentType, body }');
  if (own.scopes !== undefined && !Array.isArray(own.scopes)) throw new TollgateConfigError('requireMcpAuth: scopes must be an array of scope names, e.g. ["mcp:tools"]');
  return { rest, guard: guard as GuardOptions, own: own as McpAuthOptions };
}

/**
 * Express middleware for the MCP endpoint, mounted before the SDK's `StreamableHTTPServerTransport`: it
 * verifies the bearer token and sets `req.auth` to the SDK's `AuthInfo`, which the transport hands to your
 * tools and resources (`extra.authInfo`). Refusals are tollgate's RFC 6750 responses, answered here: 401 with a
 * bare challenge (no error code) when no token was sent, 401 `invalid_token` (both with `scope="..."` naming
 * `scopes`, so a client asks for them), 403 `insufficient_scope` naming `scopes`, 503 with `Retry-After` when the issuer's keys cannot be fetched (never the SDK's 500), and
 * `resource_metadata` in the challenge when the verifier publishes Protected Resource Metadata. Each
 * `Mcp-Session-Id` is bound to the principal that opened it (option `sessions`). Options are
 * validated now (TollgateConfigError).
 * @param options - the verifier's options (`issuer`, `resource`, ...) with {@link McpAuthOptions}, or a verifier
 * @param mcpOptions - {@link McpAuthOptions} beside a verifier
 * @example
 * const verifier = createVerifier({ issuer: 'https://auth.example.com/', resource: 'https://mcp.example.com/mcp' });
 * app.post('/mcp', express.json(), requireMcpAuth(verifier, { scopes: ['mcp'] }), (req, res) => transport.handleRequest(req, res, req.body));
 * @see RFC 6750 section 3, RFC 9728 section 5.1
 */
export function requireMcpAuth(options: McpServerAuthOptions | Verifier, mcpOptions: McpAuthOptions = {}): RequestHandler {
  const { rest, guard: guardOptions, own } = split(options, mcpOptions);
  const resolved = resolveAdapterOptions(rest as VerifierOptions | Verifier, guardOptions);
  const verifier = resolved.verifier;
  const scopes = own.scopes ? Object.freeze([...own.scopes]) : undefined;
  // createGuard refuses an empty or malformed scope list now, at startup.
  const guard = createGuard(verifier, { ...resolved.guardOptions, ...(scopes ? { scopes } : {}), name: 'requireMcpAuth' });
  const access: RequestAccess<McpRequest> = {
    read: (req) => ({
      headers: req.headers,
      rawHeaders: req.rawHeaders,
      method: req.method,
      query: queryIfPresent(req),
      // A JSON-RPC body never carries the token (allowBody is refused above).
      body: undefined,
      url: () => requestUrl(req),
      // Its TLS client certificate is read only for a certificate-bound token (RFC 8705).
      socket: req.socket,
    }),
    // Only an AuthInfo this package made stands for a verified token; anything else on req.auth is nobody's decision.
    getAuth: (req) => accessTokenOf(req.auth),
    // A fresh AuthInfo per request, as the SDK's transport reads it (req.auth) and passes it to tools.
    setAuth: (req, token) => {
      req.auth = toAuthInfo(token, verifier, scopes);
    },
    scopeOf: (req) => req.baseUrl ?? '',
  };
  const run = bindRequestsNow(access);
  const render = own.render;
  // Checked now: a wrong value is a startup error, never sessions left unbound.
  const limits = sessionLimits(own.sessions);
  const proceed = limits ? bindSessions(limits, render) : (_req: Request, _res: Response, next: NextFunction) => next();
  return (req: Request, res: Response, next: NextFunction) => {
    let pending: void | Promise<void>;
    try {
      pending = run(guard, asMcpRequest(req));
    } catch (error) {
      answer(res, withScopeHint(error, scopes), render);
      return;
    }
    // next() runs outside the try: an error of the routes after it is theirs, never taken for a refusal.
    if (pending) pending.then(() => proceed(req, res, next), (error: unknown) => answer(res, withScopeHint(error, scopes), render)).catch((error: unknown) => answer(res, error));
    else proceed(req, res, next);
  };
}
