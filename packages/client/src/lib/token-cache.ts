// The cached tokens of one client, one entry per (scopes, resource): renewal points, single flight, background renewal.
import type { ResolvedClientOptions } from '../client-options.js';
import { publishClientEvent } from '../client-events.js';
import { TokenRequestError } from '../token-request-error.js';
import type { TokenGrant, TokenRequester } from './token-requester.js';

/** A cached token and its times on the client's clock (milliseconds). */
export interface CachedToken {
  readonly accessToken: string;
  /** The same settled promise for every caller of a warm cache: nothing is allocated per call. */
  readonly promise: Promise<string>;
  /** The scope the server named, else the scopes asked for ('' for none). */
  readonly scope: string;
  readonly expiresIn: number;
  /** Whether the response had no `expires_in` and the default was assumed. */
  readonly assumed: boolean;
  /** `DPoP` for a token bound to the client's DPoP key, else `Bearer`. */
  readonly tokenType: 'Bearer' | 'DPoP';
  /** From here on the token is renewed (in the background while still usable). */
  readonly renewAt: number;
  /** From here on it is never handed out: its lifetime minus the expiry margin. */
  readonly usableUntil: number;
}

/** The state of one (scopes, resource). */
export interface CacheEntry {
  readonly scopes: readonly string[];
  readonly resource: readonly string[];
  /** Scopes as sent, space-delimited. */
  readonly scope: string;
  token: CachedToken | undefined;
  pending: Promise<CachedToken> | undefined;
  /** After a failed background renewal, no other one starts before this time. */
  retryAt: number;
  failures: number;
}

/** Creates the state of one (scopes, resource). */
export function createEntry(scopes: readonly string[], resource: readonly string[]): CacheEntry {
  return { scopes, resource, scope: scopes.join(' '), token: undefined, pending: undefined, retryAt: 0, failures: 0 };
}

/** Fetches, caches and renews the tokens of one client. */
export class TokenCache {
  readonly #options: ResolvedClientOptions;
  readonly #requester: TokenRequester;

  constructor(options: ResolvedClientOptions, requester: TokenRequester) {
    this.#options = options;
    this.#requester = requester;
  }

  /**
   * The token of `entry`: the cached one before its renewal point; past it, the cached one while it is
   * still usable, with a renewal started in the background; else a new one (one request for every
   * concurrent caller). Never a token past its usable end.
   */
  get(entry: CacheEntry): Promise<CachedToken> {
    const now = this.#options.now();
    const token = entry.token;
    if (token !== undefined && now < token.usableUntil) {
      if (now >= token.renewAt) this.#renewInBackground(entry, now);
      return Promise.resolve(token);
    }
    return this.#fetch(entry);
  }

  /** The access token of `entry`, as {@link get} decides; the hot path allocates nothing on a fresh token. */
  getAccessToken(entry: CacheEntry): Promise<string> {
    const now = this.#options.now();
    const token = entry.token;
    if (token !== undefined && now < token.usableUntil) {
      if (now >= token.renewAt) this.#renewInBackground(entry, now);
      return token.promise;
    }
    return this.#fetch(entry).then((fresh) => fresh.accessToken);
  }

  /**
   * Drops `accessToken` from `entry` if it is still the cached one (an API refused it), so the next
   * call fetches; a token already replaced by another caller's renewal is kept.
   */
  invalidate(entry: CacheEntry, accessToken: string): void {
    if (entry.token?.accessToken === accessToken) entry.token = undefined;
  }

  #renewInBackground(entry: CacheEntry, now: number): void {
    if (entry.pending !== undefined || now < entry.retryAt) return;
    // Nobody awaits a background renewal: its failure is an event, and the usable token keeps serving.
    this.#fetch(entry).catch(() => {});
  }

  #fetch(entry: CacheEntry): Promise<CachedToken> {
    entry.pending ??= this.#request(entry).finally(() => {
      entry.pending = undefined;
    });
    return entry.pending;
  }

  async #request(entry: CacheEntry): Promise<CachedToken> {
    const options = this.#options;
    let grant: TokenGrant;
    try {
      grant = await this.#requester.request(entry.scopes, entry.resource);
    } catch (error) {
      const now = options.now();
      const usable = entry.token !== undefined && now < entry.token.usableUntil;
      entry.failures += 1;
      // The next background attempt waits: what the server asked for, else 1 s doubling up to 30 s.
      const retryAfter = error instanceof TokenRequestError ? error.retryAfter : undefined;
      entry.retryAt = now + (retryAfter !== undefined ? retryAfter * 1000 : Math.min(30_000, 1000 * 2 ** (entry.failures - 1)));
      const failure = error instanceof TokenRequestError ? error : undefined;
      publishClientEvent(() => ({
        type: 'failed',
        clientId: options.clientId,
        scope: entry.scope,
        resource: entry.resource,
        error: failure?.error ?? 'error',
        failure: failure?.failure ?? 'unknown',
        status: failure?.status ?? 0,
        background: usable,
      }));
      throw error;
    }
    const lifetimeMs = grant.expiresIn * 1000;
    // Each token draws its own renewal point, so many instances started together do not renew together.
    const share = options.renewAt + (Math.random() * 2 - 1) * options.renewJitter;
    // renewBefore moves the point earlier for long tokens, never before half the lifetime (a short token is still reused).
    const renewAfterMs = Math.max(lifetimeMs / 2, Math.min(lifetimeMs * share, lifetimeMs - options.renewBeforeMs));
    const margin = Math.min(options.expiryMarginMs, lifetimeMs / 10);
    // The lifetime counts from when the request was sent: the token may have been issued at any time after.
    const token: CachedToken = Object.freeze({
      accessToken: grant.accessToken,
      promise: Promise.resolve(grant.accessToken),
      scope: grant.scope ?? entry.scope,
      expiresIn: grant.expiresIn,
      assumed: grant.assumed,
      tokenType: grant.tokenType,
      renewAt: grant.sentAt + renewAfterMs,
      usableUntil: grant.sentAt + lifetimeMs - margin,
    });
    const now = options.now();
    if (now >= token.usableUntil) {
      throw new TokenRequestError('invalid_response', 'invalid_response', { description: `the token's lifetime (${grant.expiresIn} s) was spent before it arrived` });
    }
    const renewed = entry.token !== undefined && now < entry.token.usableUntil;
    entry.token = token;
    entry.failures = 0;
    entry.retryAt = 0;
    publishClientEvent(() => ({
      type: renewed ? 'renewed' : 'fetched',
      clientId: options.clientId,
      scope: entry.scope,
      resource: entry.resource,
      expiresIn: grant.expiresIn,
      assumedLifetime: grant.assumed,
      attempts: grant.attempts,
    }));
    return token;
  }
}
