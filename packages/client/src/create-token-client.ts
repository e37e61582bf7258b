// createTokenClient: client credentials tokens, cached and renewed before they expire, and a fetch that sends them.
import { TollgateConfigError } from '@tollgate/core';
import { resolveClientOptions, type TokenClientOptions } from './client-options.js';
import { publishClientEvent } from './client-events.js';
import { createAuthorizedFetch } from './lib/authorized-fetch.js';
import { CircuitBreaker } from './lib/circuit-breaker.js';
import { DpopProofs } from './lib/dpop-proofs.js';
import { checkResource, checkScope, checkUrl } from './lib/request-values.js';
import { createEntry, TokenCache, type CacheEntry } from './lib/token-cache.js';
import { TokenRequester } from './lib/token-requester.js';

/**
 * What one {@link TokenClient.getToken} call asks for, instead of the client's `scopes` and `resource`.
 * Each distinct (scopes, resource) has its own cached token.
 * @example await client.getToken({ scopes: ['orders:write'], resource: 'https://orders.example.com' })
 * @see RFC 6749 section 3.3, RFC 8707 section 2
 */
export interface TokenRequestOptions {
  /** Scopes to ask for (replace the client's `scopes`); `[]` for none. */
  scopes?: readonly string[] | string;
  /** Resource indicators (replace the client's `resource`); `[]` for none. */
  resource?: string | readonly string[];
}

/** A cached token with its times, as {@link TokenClient.getTokenDetails} returns it. */
export interface TokenDetails {
  /** The access token, as sent in `Authorization: Bearer` (or `Authorization: DPoP` with a proof). */
  readonly accessToken: string;
  /** `DPoP` for a token bound to the client's DPoP key (send it with a proof, see {@link TokenClient.dpopProof}), else `Bearer`. */
  readonly tokenType: 'Bearer' | 'DPoP';
  /** The scope the server granted when it named one, else the scopes asked for (space-delimited, '' for none). */
  readonly scope: string;
  /** The lifetime the server gave (or the assumed `defaultExpiresIn`), in seconds. */
  readonly expiresIn: number;
  /** Whether the response had no `expires_in`, so `expiresIn` is the assumed `defaultExpiresIn`. */
  readonly assumedLifetime: boolean;
  /** When the token is renewed, on the client's clock (milliseconds, see {@link TokenClientOptions.now}). */
  readonly renewAt: number;
  /** When it stops being handed out: its expiry minus the safety margin, on the client's clock. */
  readonly expiresAt: number;
}

/**
 * The public side of a client's DPoP key: what its tokens are bound to.
 * @example expect(decodeJwt(await client.getToken()).cnf).toEqual({ jkt: client.dpopKey!.jkt })
 * @see RFC 9449 section 6.1, RFC 7638
 */
export interface DpopPublicKey {
  /** The algorithm proofs are signed with. */
  readonly alg: string;
  /** The public JWK every proof carries. */
  readonly jwk: Readonly<Record<string, string>>;
  /** Its RFC 7638 SHA-256 thumbprint: the `cnf.jkt` of the client's tokens. */
  readonly jkt: string;
}

/** The client returned by {@link createTokenClient}. */
export interface TokenClient {
  /**
   * An access token: the cached one until its renewal point; past it, the cached one while a renewal
   * runs in the background (and while the server fails, until it expires); otherwise a new one, with
   * one request for all concurrent callers. Rejects with a {@link TokenRequestError}.
   */
  getToken(options?: TokenRequestOptions): Promise<string>;
  /** Like {@link TokenClient.getToken}, with the token's scope and times. */
  getTokenDetails(options?: TokenRequestOptions): Promise<TokenDetails>;
  /**
   * `fetch` with `Authorization: Bearer <token>` added, or with `dpop`, `Authorization: DPoP <token>` and a
   * `DPoP` proof of this request (method, URL, token and the API's last nonce). After a 401 with an
   * `invalid_token` challenge, the token is renewed and the request sent once more; after a 401 DPoP
   * `use_dpop_nonce` with a new `DPoP-Nonce`, it is sent once more with the nonce. Retries happen only
   * if the body can be sent twice (not a stream). Only `https:` URLs (and loopback `http:` with
   * `allowInsecureRequests`).
   */
  fetch(input: string | URL | Request, init?: RequestInit): Promise<Response>;
  /**
   * The headers that authorize one request, for HTTP clients other than `fetch` (axios, got, undici):
   * `{ authorization: 'Bearer …' }`, or with `dpop`, `{ authorization: 'DPoP …', dpop: <proof> }`. A
   * proof is good for one request. Pass the API's answer to {@link TokenClient.rememberDpopNonce}.
   * @example
   * const headers = await client.authorizationHeaders('POST', 'https://orders.example.com/orders');
   * await axios.post('https://orders.example.com/orders', order, { headers });
   * @see RFC 6750 section 2.1, RFC 9449 section 7.1
   */
  authorizationHeaders(method: string, url: string | URL, options?: TokenRequestOptions): Promise<Record<string, string>>;
  /**
   * A DPoP proof for one request (RFC 9449 section 4.2): `htm` = `method`, `htu` = `url` without query
   * and fragment, `ath` of `accessToken` when given, and the nonce last remembered for `url`'s origin.
   * Throws a `TollgateConfigError` when the client has no `dpop` option.
   * @example const proof = client.dpopProof('GET', url, await client.getToken());
   * @see RFC 9449 section 4.2
   */
  dpopProof(method: string, url: string | URL, accessToken?: string): string;
  /**
   * Remembers the `DPoP-Nonce` of an answer from `url` (its value, or the response's headers), so the
   * next proofs for that origin carry it. Returns whether it was a new nonce (then a 401 or 400
   * `use_dpop_nonce` is worth one retry). `fetch` and token requests do this themselves.
   * @example if (response.status === 401 && client.rememberDpopNonce(url, response.headers)) retry();
   * @see RFC 9449 section 8, section 9
   */
  rememberDpopNonce(url: string | URL, nonce: string | Pick<Headers, 'get'> | null | undefined): boolean;
  /** The public side of the DPoP key (what tokens are bound to), or `undefined` without `dpop`. */
  readonly dpopKey: DpopPublicKey | undefined;
  /** Forgets the cached token of the default (scopes, resource), or of `options`, so the next call fetches. */
  clear(options?: TokenRequestOptions): void;
  /** The token endpoint in use: configured, or discovered from the issuer's metadata. */
  tokenEndpoint(): Promise<string>;
}

/**
 * Creates a client for the client credentials grant. Options are checked at once (a
 * `TollgateConfigError` names the one that is wrong); no request is sent before the first `getToken()`.
 * @example
 * const client = createTokenClient({
 *   issuer: 'https://auth.example.com/',
 *   clientId: 'billing',
 *   auth: { method: 'client_secret_basic', secrets: [process.env.CLIENT_SECRET!] },
 *   scopes: ['orders:read'],
 *   resource: 'https://orders.example.com',
 * });
 * const response = await client.fetch('https://orders.example.com/orders/42');
 * @see RFC 6749 section 4.4, RFC 7523 section 2.2, RFC 8707, RFC 8414 section 3
 */
export function createTokenClient(options: TokenClientOptions): TokenClient {
  const resolved = resolveClientOptions(options);
  const breaker = resolved.breaker
    ? new CircuitBreaker(resolved.breaker.failures, resolved.breaker.cooldownMs, resolved.now, {
        opened: (failures, cooldownMs) => publishClientEvent(() => ({ type: 'breaker-open', clientId: resolved.clientId, failures, cooldown: cooldownMs / 1000 })),
        closed: (openForMs) => publishClientEvent(() => ({ type: 'breaker-closed', clientId: resolved.clientId, openForMs })),
      })
    : undefined;
  const dpop = resolved.dpop ? new DpopProofs(resolved.dpop) : undefined;
  const requester = new TokenRequester(resolved, breaker, dpop);
  const cache = new TokenCache(resolved, requester);
  // A token is bound to one key: the key's thumbprint is part of every cache key.
  const binding = resolved.dpop?.jkt ?? 'bearer';
  const defaultEntry = createEntry(resolved.scopes, resolved.resource);
  const entries = new Map<string, CacheEntry>([[entryKey(binding, resolved.scopes, resolved.resource), defaultEntry]]);

  function entryFor(request: TokenRequestOptions | undefined): CacheEntry {
    if (request === undefined) return defaultEntry;
    const scopes = request.scopes === undefined ? resolved.scopes : checkedScopes(request.scopes);
    const resource = request.resource === undefined ? resolved.resource : checkedResource(request.resource);
    const key = entryKey(binding, scopes, resource);
    let entry = entries.get(key);
    if (entry === undefined) {
      if (entries.size >= resolved.maxEntries) evictOne();
      entry = createEntry(scopes, resource);
      entries.set(key, entry);
    }
    return entry;
  }

  // The oldest entry with no request in flight goes first; the default entry stays.
  function evictOne(): void {
    for (const [key, entry] of entries) {
      if (entry !== defaultEntry && entry.pending === undefined) {
        entries.delete(key);
        return;
      }
    }
    for (const [key, entry] of entries) {
      if (entry !== defaultEntry) {
        entries.delete(key);
        return;
      }
    }
  }

  const source = {
    getToken: () => cache.getAccessToken(defaultEntry),
    invalidate: (accessToken: string) => cache.invalidate(defaultEntry, accessToken),
  };
  const apiUrlProblem = (url: string) => {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return 'not an absolute URL';
    }
    return checkUrl(`${parsed.origin}${parsed.pathname}`, resolved.allowInsecureRequests, true);
  };

  const dpopKey: DpopPublicKey | undefined = resolved.dpop ? Object.freeze({ alg: resolved.dpop.alg, jwk: resolved.dpop.jwk, jkt: resolved.dpop.jkt }) : undefined;
  const proof = (method: string, url: string | URL, accessToken?: string): string => {
    if (!dpop) throw new TollgateConfigError('createTokenClient: dpopProof needs the dpop option (e.g. dpop: true)');
    if (typeof method !== 'string' || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,32}$/.test(method)) throw new TypeError('dpopProof: method must be an HTTP method');
    const problem = apiUrlProblem(String(url));
    if (problem) throw new TypeError(`dpopProof: ${problem}`);
    return dpop.proof(method, url, accessToken);
  };

  return {
    getToken(request) {
      if (request === undefined) return cache.getAccessToken(defaultEntry);
      // A bad per-call option is a rejection like any other failure, never a synchronous throw.
      try {
        return cache.getAccessToken(entryFor(request));
      } catch (error) {
        return Promise.reject(error);
      }
    },
    async getTokenDetails(request) {
      const token = await cache.get(entryFor(request));
      return { accessToken: token.accessToken, tokenType: token.tokenType, scope: token.scope, expiresIn: token.expiresIn, assumedLifetime: token.assumed, renewAt: token.renewAt, expiresAt: token.usableUntil };
    },
    fetch: createAuthorizedFetch(source, resolved.fetch, apiUrlProblem, dpop),
    async authorizationHeaders(method, url, request): Promise<Record<string, string>> {
      const token = await cache.getAccessToken(entryFor(request));
      if (!dpop) {
        const problem = apiUrlProblem(String(url));
        if (problem) throw new TypeError(`authorizationHeaders: ${problem}`);
        return { authorization: `Bearer ${token}` };
      }
      return { authorization: `DPoP ${token}`, dpop: proof(method, url, token) };
    },
    dpopProof: proof,
    rememberDpopNonce(url, nonce) {
      const value = typeof nonce === 'object' && nonce !== null ? nonce.get('dpop-nonce') : nonce;
      return dpop?.remember(url, value) ?? false;
    },
    dpopKey,
    clear(request) {
      entryFor(request).token = undefined;
    },
    tokenEndpoint: () => requester.endpoint(),
  };
}

/** The cache key of a (key binding, scopes, resource): order does not matter to the server, so not to the cache either. */
function entryKey(binding: string, scopes: readonly string[], resource: readonly string[]): string {
  return `${binding}\n${[...scopes].sort().join(' ')}\n${[...resource].sort().join(' ')}`;
}

function checkedScopes(value: readonly string[] | string): readonly string[] {
  const scopes = typeof value === 'string' ? value.split(' ').filter((scope) => scope !== '') : value;
  if (!Array.isArray(scopes)) throw new TollgateConfigError('getToken: scopes: expected an array of scopes, or a space-delimited string');
  for (const scope of scopes) {
    const problem = checkScope(scope);
    if (problem) throw new TollgateConfigError(`getToken: scopes: ${problem}`);
  }
  if (scopes.length > 100) throw new TollgateConfigError('getToken: scopes: at most 100 scopes');
  return [...new Set(scopes)];
}

function checkedResource(value: string | readonly string[]): readonly string[] {
  const resources = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(resources)) throw new TollgateConfigError('getToken: resource: expected a resource indicator or an array of them');
  for (const resource of resources) {
    const problem = typeof resource === 'string' ? checkResource(resource) : 'expected a string';
    if (problem) throw new TollgateConfigError(`getToken: resource: ${problem}`);
  }
  if (resources.length > 20) throw new TollgateConfigError('getToken: resource: at most 20 resource indicators');
  return [...new Set(resources)];
}
