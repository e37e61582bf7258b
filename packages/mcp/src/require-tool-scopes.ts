// requireToolScopes: per-tool (and per-prompt, per-resource) scopes, checked from the JSON-RPC body before the tool runs.
import { bindRequestsNow, createGuard, DefaultConfiguration, InvalidRequestError, TollgateConfigError, TollgateError } from '@tollgate/core';
import type { ErrorRenderer, Guard, RequestAccess, Verifier } from '@tollgate/core';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { answer, send } from './lib/answer.js';
import { accessTokenOf, madeOf, toAuthInfo, asMcpRequest, type McpRequest } from './lib/auth-info.js';
import { readJsonBody } from './lib/json-body.js';
import { headerMismatch } from './lib/mcp-headers.js';
import { needOf, ScopeTable, type Tables } from './lib/operations.js';
import { requestUrl } from './lib/request-url.js';

/** Scopes by name: one scope, or every scope of a list. */
export type OperationScopes = Readonly<Record<string, string | readonly string[]>>;

/** Options of {@link requireToolScopes}: prompts and resources, what an unlisted name gets, and the body cap. */
export interface ToolScopeOptions {
  /** Scopes of each prompt (`prompts/get`, and completions of its arguments), by name. */
  prompts?: OperationScopes;
  /**
   * Scopes of each resource (`resources/read`, `resources/subscribe`, `resources/unsubscribe`, and
   * completions of a template's arguments), by exact URI, or by prefix with a trailing `*`
   * (`'file:///reports/*'`); the longest prefix wins, an exact URI before any prefix.
   */
  resources?: OperationScopes;
  /**
   * Scopes of every `tasks/*` request (`tasks/get`, `tasks/result`, `tasks/list`, `tasks/cancel`): a task's
   * status and result are a tool's output, and a `taskId` does not say which tool made it, so give the
   * scopes of the task-running tools here. Without it, `tasks/*` is an unlisted operation (refused under
   * `unlisted: 'deny'`). Tasks are not bound to the token that made them: bind sessions too (requireMcpAuth).
   */
  tasks?: string | readonly string[];
  /**
   * A tool, prompt, resource or (without `tasks`) task request no table lists: `deny` (default) refuses it with 403 `insufficient_scope`;
   * `allow` lets it run with the scopes of `requireMcpAuth` alone.
   */
  unlisted?: 'deny' | 'allow';
  /** Largest body read when no body parser ran, in bytes; a larger one is a 413. Default 4 MiB (the SDK transport's). */
  maxBodyBytes?: number;
  /** Renders the body of a refusal. Default: JSON `{ error, error_description }`. */
  render?: ErrorRenderer;
}

/** The SDK transport's own limit on a batch (MAX_BATCH_SIZE): a longer one is refused before anything is looked up. */
const MAX_BATCH = 100;
const DEFAULT_MAX_BODY = 4 * 1024 * 1024;
/** Guards kept per verifier, one per distinct scope set; a batch can combine tools, so the number is capped. */
const MAX_GUARDS = 256;
const OPTION_KEYS = new Set(['prompts', 'resources', 'tasks', 'unlisted', 'maxBodyBytes', 'render']);

// Never configured: a guard on it goes by the decision requireMcpAuth made on the request, and without one
// it fails closed with this message.
const unconfigured = new DefaultConfiguration('@tollgate/mcp', {
  subject: 'requireToolScopes()',
  setup: 'mount requireMcpAuth(...) before it on the same route',
});

/** A refusal of the request itself: 400 invalid_request. */
const badRequest = (description: string) => new InvalidRequestError(description, { reason: 'malformed_parameter' });

/**
 * The operation is not declared and `unlisted` is `deny`: 403 `insufficient_scope` without a `scope`
 * attribute, since no scope would help. The response never names the operation (it comes from the request).
 */
class UndeclaredOperationError extends TollgateError {
  readonly status = 403;
  readonly code = 'insufficient_scope';
  constructor(what: string) {
    super(`this ${what} has no declared scopes`, { reason: 'insufficient_scope' });
  }
}

function checkOptions(options: ToolScopeOptions): void {
  if (typeof options !== 'object' || options === null) throw new TollgateConfigError('requireToolScopes: options must be an object');
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.has(key)) throw new TollgateConfigError(`requireToolScopes: unknown option ${JSON.stringify(key)} (expected one of ${[...OPTION_KEYS].join(', ')})`);
  }
  if (options.unlisted !== undefined && options.unlisted !== 'deny' && options.unlisted !== 'allow') {
    throw new TollgateConfigError(`requireToolScopes: unlisted must be 'deny' or 'allow', got ${JSON.stringify(options.unlisted)}`);
  }
  const max = options.maxBodyBytes;
  if (max !== undefined && (typeof max !== 'number' || !Number.isSafeInteger(max) || max <= 0)) {
    throw new TollgateConfigError('requireToolScopes: maxBodyBytes must be a positive whole number of bytes');
  }
  if (options.render !== undefined && typeof options.render !== 'function') throw new TollgateConfigError('requireToolScopes: render must be a function');
  const tasks = options.tasks;
  if (tasks !== undefined) {
    const list = typeof tasks === 'string' ? [tasks] : tasks;
    if (!Array.isArray(list) || list.some((scope) => typeof scope !== 'string')) throw new TollgateConfigError('requireToolScopes: tasks must name a scope or a list of scopes, e.g. tasks: "hr:read"');
    if (list.length === 0) throw new TollgateConfigError('requireToolScopes: tasks names no scope; list the scopes of your task-running tools, or leave tasks out to refuse tasks/*');
  }
}

/**
 * Requires the scopes each tool needs, read from the JSON-RPC body before the SDK's transport runs the
 * tool. Mount it after {@link requireMcpAuth} (or the SDK's `requireBearerAuth` with {@link tokenVerifier}).
 * A `tools/call` (and `prompts/get`, `resources/read`, completions) of a listed name needs its scopes plus
 * those of `requireMcpAuth`, and is refused with 403 `insufficient_scope` naming all of them; every message
 * of a batch is checked, and the refusal names the union. An unlisted name is refused (`unlisted: 'deny'`,
 * the default). `Mcp-Method` / `Mcp-Name` headers that disagree with the body, a malformed body or batch,
 * and a body over `maxBodyBytes` (413) are refused. When no body parser ran, the body is read here and left
 * in `req.body`: pass it on, `transport.handleRequest(req, res, req.body)`. Tables and options are
 * validated now (TollgateConfigError): an empty scope list, a malformed scope, an unknown option.
 * @param tools - scopes by tool name: `{ get_orders: 'orders:read', refund: ['orders:write', 'payments'] }`
 * A resource URI that the URL parser would rewrite (`file:///a/../b`, `%2e%2e`, an upper-case scheme) is
 * refused with 400, since the SDK serves the rewritten one; resource keys must be in that form too.
 * @param options - prompts, resources, tasks, `unlisted`, `maxBodyBytes`, `render`
 * @example
 * app.post('/mcp', requireMcpAuth(verifier), requireToolScopes({ list_orders: 'orders:read', refund: 'orders:write' }),
 *   (req, res) => transport.handleRequest(req, res, req.body));
 * @see RFC 6750 section 3.1
 */
export function requireToolScopes(tools: OperationScopes, options: ToolScopeOptions = {}): RequestHandler {
  checkOptions(options);
  if (tools === undefined || tools === null) throw new TollgateConfigError('requireToolScopes: pass the scopes of each tool, e.g. requireToolScopes({ get_orders: "orders:read" })');
  const tables: Tables = {
    tools: new ScopeTable(tools, 'requireToolScopes (tools)', false),
    prompts: new ScopeTable(options.prompts, 'requireToolScopes (prompts)', false),
    resources: new ScopeTable(options.resources, 'requireToolScopes (resources)', true),
    tasks: options.tasks === undefined ? undefined : Object.freeze(typeof options.tasks === 'string' ? [options.tasks] : [...options.tasks]),
    unlisted: options.unlisted ?? 'deny',
  };
  // Every declared scope is checked now, as createGuard would: a malformed one fails at startup, not on a call.
  for (const table of [tools, options.prompts ?? {}, options.resources ?? {}, options.tasks === undefined ? {} : { tasks: options.tasks }]) {
    for (const scopes of Object.values(table)) createGuard(unconfigured, { scopes: typeof scopes === 'string' ? [scopes] : scopes, name: 'requireToolScopes' });
  }
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY;
  const render = options.render;

  // One guard per (verifier, scope set), made on first use.
  const byVerifier = new WeakMap<Verifier | DefaultConfiguration, Map<string, Guard>>();
  const guardFor = (source: Verifier | DefaultConfiguration, scopes: readonly string[]): Guard => {
    const key = scopes.join(' ');
    let guards = byVerifier.get(source);
    if (!guards) byVerifier.set(source, (guards = new Map()));
    let guard = guards.get(key);
    if (!guard) {
      // Without scopes the guard only asks that an earlier guard decided (optional: its "no token" stands).
      // Made on first use, at request time: its scopes are not recorded for scopes_supported (set
      // metadata.scopesSupported to list the tools' scopes).
      guard = createGuard(source, scopes.length > 0 ? { scopes, name: 'requireToolScopes' } : { optional: true, name: 'requireToolScopes' }, false);
      if (guards.size < MAX_GUARDS) guards.set(key, guard);
    }
    return guard;
  };

  const access: RequestAccess<McpRequest> = {
    // The socket: its TLS client certificate, for a certificate-bound token (RFC 8705).
    read: (req) => ({ headers: req.headers, rawHeaders: req.rawHeaders, method: req.method, query: undefined, body: undefined, url: () => requestUrl(req), socket: req.socket }),
    getAuth: (req) => accessTokenOf(req.auth),
    // Only when the guard had to check the token again (req.auth was replaced): the AuthInfo is made anew.
    setAuth: (req, token) => {
      const made = madeOf(req.auth);
      if (made?.token !== token) req.auth = toAuthInfo(token, made?.verifier ?? unconfiguredVerifier(token), made?.scopes);
    },
    scopeOf: (req) => req.baseUrl ?? '',
  };
  const run = bindRequestsNow(access);

  async function check(req: Request): Promise<readonly string[]> {
    const body = await readJsonBody(req, maxBodyBytes);
    if (!body.ok) {
      if (body.problem === 'too_large') throw new PayloadTooLarge();
      if (body.problem === 'consumed') {
        throw new TollgateConfigError('requireToolScopes: the request body was read by other middleware but left no parsed body; mount express.json() before it, or nothing');
      }
      throw badRequest(body.problem === 'encoded' ? 'content encoding not supported' : 'malformed JSON-RPC request');
    }
    const messages = Array.isArray(body.value) ? body.value : [body.value];
    if (messages.length === 0 || messages.length > MAX_BATCH) throw badRequest('malformed JSON-RPC batch');
    const mismatch = headerMismatch(req, body.value);
    if (mismatch) throw badRequest(mismatch);
    const needed = new Set<string>();
    let undeclared: string | undefined;
    for (const message of messages) {
      const need = needOf(message, tables);
      if (need.kind === 'malformed') throw badRequest(need.why ?? 'malformed JSON-RPC request');
      if (need.kind === 'undeclared') undeclared ??= need.what;
      if (need.kind === 'declared') for (const scope of need.scopes) needed.add(scope);
    }
    // Checked after the whole batch was read, so a malformed message anywhere is a 400 whatever comes first.
    if (undeclared) throw new UndeclaredOperationError(undeclared);
    // The refusal names every scope the request needs, the guard's too: a client that asks for exactly
    // these (the SDK's client does, on a 403) gets a token that passes both.
    const base = madeOf(asMcpRequest(req).auth)?.scopes ?? [];
    // Sorted, so one set of scopes is one guard whatever the order of a batch.
    return needed.size === 0 ? [] : [...new Set([...base, ...[...needed].sort()])];
  }

  return (req: Request, res: Response, next: NextFunction) => {
    // The transport's GET (event stream) and DELETE (end of session) carry no JSON-RPC body.
    if (req.method !== 'POST') {
      authorize(req, [], res, next);
      return;
    }
    check(req).then(
      (scopes) => authorize(req, scopes, res, next),
      (error: unknown) => {
        if (error instanceof PayloadTooLarge) send(res, PAYLOAD_TOO_LARGE);
        else answer(res, dressed(error, req), render);
      },
    );
  };

  function authorize(req: Request, scopes: readonly string[], res: Response, next: NextFunction): void {
    // The verifier that accepted the token on req.auth, when this package made it; else whatever guard decided.
    const mcpRequest = asMcpRequest(req);
    const source = madeOf(mcpRequest.auth)?.verifier ?? unconfigured;
    let pending: void | Promise<void>;
    try {
      pending = run(guardFor(source, scopes), mcpRequest);
    } catch (error) {
      answer(res, error, render);
      return;
    }
    if (pending) pending.then(() => next(), (error: unknown) => answer(res, error, render)).catch((error: unknown) => answer(res, error));
    else next();
  }
}

/**
 * A refusal made here, before any guard ran, gets what a guard's would: the verifier's realm and, when it
 * publishes metadata, `resource_metadata` (RFC 9728 section 5.1).
 */
function dressed(error: unknown, req: Request): unknown {
  const verifier = madeOf(asMcpRequest(req).auth)?.verifier;
  if (verifier && error instanceof TollgateError) {
    error.realm ??= verifier.options.realm;
    error.resourceMetadata ??= verifier.options.metadata?.url;
  }
  return error;
}

/** Never called with a token this package did not make: the guard re-checks only with the verifier it was given. */
function unconfiguredVerifier(_token: unknown): never {
  throw new TollgateConfigError('requireToolScopes: no verifier for this request; mount requireMcpAuth(...) before it');
}

/** The body is over `maxBodyBytes`. */
class PayloadTooLarge extends Error {}

const PAYLOAD_TOO_LARGE = {
  status: 413,
  headers: { 'Cache-Control': 'no-store', Connection: 'close' },
  contentType: 'application/json; charset=utf-8',
  body: JSON.stringify({ error: 'invalid_request', error_description: 'request body too large' }),
};
