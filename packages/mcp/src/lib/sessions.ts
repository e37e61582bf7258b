// Binds each Mcp-Session-Id to the principal (iss, sub, client_id) of the first verified request that uses it.
import { TollgateConfigError, type AccessToken } from '@tollgate/core';

/**
 * Limits of the session bindings one requireMcpAuth keeps (its `sessions` option): each `Mcp-Session-Id` is
 * bound to the principal that opened it (MCP transport spec, "Session Management").
 * @example
 * requireMcpAuth(verifier, { sessions: { maxSessions: 50_000, maxPerPrincipal: 16 } });
 */
export interface SessionLimits {
  /** Sessions remembered in all, least recently used dropped first. Default 10,000. */
  readonly maxSessions: number;
  /** Sessions remembered per principal, its own least recently used dropped first. Default 64. */
  readonly maxPerPrincipal: number;
}

export const DEFAULT_SESSION_LIMITS: SessionLimits = Object.freeze({ maxSessions: 10_000, maxPerPrincipal: 64 });

/** Longest session id accepted; the SDK's are UUIDs. */
const MAX_SESSION_ID = 256;
/** Visible ASCII (0x21 to 0x7E), as the MCP transport spec requires of a session id. */
const VISIBLE_ASCII = /^[\x21-\x7e]+$/;

/** The verdict on one request: go on, a malformed session id (400), or another principal's session (404). */
export type SessionVerdict = 'ok' | 'malformed' | 'foreign';

/** Validates `sessions` of requireMcpAuth: `false`, `true`, or limits. Throws TollgateConfigError otherwise. */
export function sessionLimits(value: unknown): SessionLimits | undefined {
  if (value === false) return undefined;
  if (value === undefined || value === true) return DEFAULT_SESSION_LIMITS;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TollgateConfigError('requireMcpAuth: sessions must be true, false, or { maxSessions, maxPerPrincipal }');
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (key !== 'maxSessions' && key !== 'maxPerPrincipal') throw new TollgateConfigError(`requireMcpAuth: unknown sessions option ${JSON.stringify(key)} (expected maxSessions, maxPerPrincipal)`);
  }
  const limits = { ...DEFAULT_SESSION_LIMITS, ...record } as Record<string, unknown>;
  for (const key of ['maxSessions', 'maxPerPrincipal']) {
    const n = limits[key];
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n <= 0) throw new TollgateConfigError(`requireMcpAuth: sessions.${key} must be a positive whole number`);
  }
  if ((limits.maxPerPrincipal as number) > (limits.maxSessions as number)) {
    throw new TollgateConfigError('requireMcpAuth: sessions.maxPerPrincipal cannot exceed sessions.maxSessions');
  }
  return Object.freeze(limits) as unknown as SessionLimits;
}

/** Who a token stands for: issuer, subject and client, unambiguously joined. No token: the anonymous principal. */
export function principalOf(token: AccessToken | undefined): string {
  return token ? JSON.stringify([token.issuer, token.subject ?? null, token.clientId ?? null]) : '[]';
}

/** Whether `id` is a session id the transport could have issued: 1 to 256 visible ASCII characters. */
export function wellFormedSessionId(id: string): boolean {
  return id.length <= MAX_SESSION_ID && VISIBLE_ASCII.test(id);
}

/** The bindings, bounded: least recently used first in both maps (a Map keeps insertion order). */
export class SessionBindings {
  readonly #owner = new Map<string, string>();
  readonly #byPrincipal = new Map<string, Set<string>>();

  constructor(readonly limits: SessionLimits) {}

  /** Binds `id` to `principal` when unbound; 'foreign' when another principal holds it. */
  use(id: string, principal: string): SessionVerdict {
    if (!wellFormedSessionId(id)) return 'malformed';
    const owner = this.#owner.get(id);
    if (owner !== undefined && owner !== principal) return 'foreign';
    this.#touch(id, principal);
    return 'ok';
  }

  /** Number of bindings held (tests). */
  get size(): number {
    return this.#owner.size;
  }

  #touch(id: string, principal: string): void {
    this.#owner.delete(id);
    this.#owner.set(id, principal);
    let own = this.#byPrincipal.get(principal);
    if (!own) this.#byPrincipal.set(principal, (own = new Set()));
    own.delete(id);
    own.add(id);
    // One principal's sessions push out only its own: the oldest, past maxPerPrincipal.
    while (own.size > this.limits.maxPerPrincipal) this.#drop(own.values().next().value as string);
    while (this.#owner.size > this.limits.maxSessions) this.#drop(this.#owner.keys().next().value as string);
  }

  #drop(id: string): void {
    const principal = this.#owner.get(id);
    this.#owner.delete(id);
    if (principal === undefined) return;
    const own = this.#byPrincipal.get(principal);
    own?.delete(id);
    if (own?.size === 0) this.#byPrincipal.delete(principal);
  }
}
