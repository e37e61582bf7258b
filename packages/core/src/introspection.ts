// Token introspection (RFC 7662): the public option types, the cache store interface and its in-memory default.
import type { KeyObject, JsonWebKey } from 'node:crypto';
import { OldestKeys } from './lib/oldest-keys.js';
import type { Duration } from './options.js';

/** How the API authenticates to the introspection endpoint (RFC 7662 section 2.1). */
export type IntrospectionClientAuth = 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt';

/** The algorithms a `private_key_jwt` client assertion may be signed with. */
export type ClientAssertionAlgorithm = 'RS256' | 'RS384' | 'RS512' | 'PS256' | 'PS384' | 'PS512' | 'ES256' | 'ES384' | 'ES512' | 'EdDSA';

/**
 * The API's private key for `private_key_jwt` (RFC 7523 section 2.2): a private JWK or a `KeyObject`,
 * the `kid` the authorization server knows it by, and the algorithm to sign with.
 * @example privateKey: { key: privateJwk, kid: 'orders-api-2026', alg: 'ES256' }
 * @see RFC 7523 section 2.2
 */
export interface IntrospectionPrivateKey {
  /** A private JWK (with `d`) or a private `KeyObject`. */
  key: JsonWebKey | KeyObject;
  /** The key id registered with the authorization server; sent as the assertion's `kid`. */
  kid: string;
  /** The signature algorithm; it must fit the key's type and curve. */
  alg: ClientAssertionAlgorithm;
}

/**
 * What the introspection cache holds for a token: the endpoint's answer. Active entries carry the
 * response members (claims); they are checked again (iss, aud, exp, nbf, scope) at every hit, so a
 * shared store holds nothing that is trusted without those checks.
 */
export type IntrospectionCacheEntry =
  | {
      /** The endpoint said the token is active. */
      readonly active: true;
      /** The members of its response. */
      readonly claims: Readonly<Record<string, unknown>>;
    }
  | {
      /** The endpoint said the token is not active (or answered anything but `active: true`). */
      readonly active: false;
    };

/**
 * Where introspection results are cached, keyed by a SHA-256 digest of the token (never the token).
 * Methods may be asynchronous and may fail: a failing or slow store is treated as a miss (and a failed
 * `set` as not stored), never as a pass. Implement it to share results between instances (a Redis store).
 * @example
 * const store: IntrospectionCache = {
 *   async get(key) { const text = await redis.get(`introspection:${key}`); return text ? JSON.parse(text) : undefined; },
 *   async set(key, entry, ttlSeconds) { await redis.set(`introspection:${key}`, JSON.stringify(entry), 'EX', ttlSeconds); },
 * };
 * @see RFC 7662 section 4
 */
export interface IntrospectionCache {
  /** The entry under `key`, or `undefined`. An entry past its TTL must not be returned. */
  get(key: string): IntrospectionCacheEntry | undefined | Promise<IntrospectionCacheEntry | undefined>;
  /** Stores `entry` under `key` for `ttlSeconds` (a whole number, at least 1). */
  set(key: string, entry: IntrospectionCacheEntry, ttlSeconds: number): void | Promise<void>;
}

/** How introspection results are cached. */
export interface IntrospectionCacheOptions {
  /**
   * The longest an active result is reused without asking the endpoint again: the revocation window.
   * A token revoked at the authorization server is still accepted for up to this long. Active results
   * are also never kept past the token's `exp`. Default `'60s'`; at most one day.
   */
  maxAge?: Duration;
  /** How long an inactive answer is reused: a client retrying a bad token costs one request per window. Default `'5s'`; at most 60 seconds. */
  negativeMaxAge?: Duration;
  /** Largest number of entries of the in-memory default store. Default 10000. */
  maxEntries?: number;
  /** A store of your own (shared between instances); default: in memory, bounded by `maxEntries`. */
  store?: IntrospectionCache;
  /** How long a read from `store` may take before it counts as a miss. Default `'1s'`. */
  storeTimeout?: Duration;
}

/**
 * Token introspection (RFC 7662) for opaque access tokens: `createVerifier({ introspection })`.
 * @example
 * createVerifier({
 *   issuer: 'https://auth.example.com/',
 *   audience: 'https://api.example.com',
 *   introspection: { clientId: 'orders-api', clientSecret: process.env.INTROSPECTION_SECRET },
 * });
 * @see RFC 7662, RFC 9701
 */
export interface IntrospectionOptions {
  /** The introspection endpoint. Default: `introspection_endpoint` from the issuer's metadata (one issuer only). */
  endpoint?: string;
  /** The API's own client id at the authorization server. */
  clientId: string;
  /** The API's client secret, for `client_secret_basic` and `client_secret_post`. */
  clientSecret?: string;
  /** The API's private key, for `private_key_jwt`. */
  privateKey?: IntrospectionPrivateKey;
  /**
   * How the API authenticates to the endpoint. Default: `client_secret_basic` with `clientSecret`,
   * `private_key_jwt` with `privateKey` (giving both without this is an error).
   */
  clientAuth?: IntrospectionClientAuth;
  /**
   * Which tokens are introspected. `'opaque'` (default): tokens shaped like a JWT are verified locally
   * with the issuer's keys, all others introspected. `'all'`: every token is introspected, JWTs too.
   */
  tokens?: 'opaque' | 'all';
  /** The `token_type_hint` sent (RFC 7662 section 2.1); `false` sends none. Default `'access_token'`. */
  tokenTypeHint?: 'access_token' | false;
  /**
   * `true`: ask for signed responses (RFC 9701, `application/token-introspection+jwt`), verify them with
   * the issuer's keys, and refuse unsigned ones. Default `false`: plain JSON responses.
   */
  jwtResponse?: boolean;
  /** Timeout of one introspection request. Default `'5s'`. */
  timeout?: Duration;
  /** Largest introspection response accepted, in bytes. Default 64 KiB. */
  maxResponseBytes?: number;
  /** After the endpoint failed, no new request is sent for this long (answers are 503 meanwhile). Default `'5s'`. */
  cooldown?: Duration;
  /** Introspection requests in flight at once (distinct tokens); beyond it, 503. Default 256. */
  maxConcurrent?: number;
  /**
   * Introspection requests sent per second (tokens not cached), as a token bucket: a flood of made-up
   * tokens costs the endpoint at most this, and each request past it is a 503 alone. Keep it under the
   * endpoint's own rate limit. Default 50.
   */
  maxPerSecond?: number;
  /** Result caching; `false` disables it (every request asks the endpoint). */
  cache?: IntrospectionCacheOptions | false;
}

/**
 * The API's client credentials for the introspection endpoint, as resolved. The secret or private key is
 * held privately: neither `JSON.stringify` nor `console.log` of the options shows it.
 */
export interface IntrospectionCredentials {
  /** How the API authenticates. */
  readonly method: IntrospectionClientAuth;
  /** The API's client id. */
  readonly clientId: string;
}

/** The `introspection` option after validation and defaults: durations in seconds. Frozen. */
export interface ResolvedIntrospectionOptions {
  /** The configured endpoint; `undefined`: discovered from the issuer's metadata. */
  readonly endpoint: string | undefined;
  /** The API's client id. */
  readonly clientId: string;
  /** How the API authenticates to the endpoint. */
  readonly clientAuth: IntrospectionClientAuth;
  /** The credentials (secret or key kept private). */
  readonly credentials: IntrospectionCredentials;
  /** Which tokens are introspected. */
  readonly tokens: 'opaque' | 'all';
  /** The `token_type_hint` sent, if any. */
  readonly tokenTypeHint: 'access_token' | undefined;
  /** Whether signed (RFC 9701) responses are asked for and required. */
  readonly jwtResponse: boolean;
  /** Timeout of one request, in seconds. */
  readonly timeout: number;
  /** Largest response accepted, in bytes. */
  readonly maxResponseBytes: number;
  /** Seconds without requests after the endpoint failed. */
  readonly cooldown: number;
  /** Introspection requests in flight at once. */
  readonly maxConcurrent: number;
  /** Introspection requests sent per second. */
  readonly maxPerSecond: number;
  /** Result caching, durations in seconds; `undefined`: off. */
  readonly cache:
    | {
        /** Longest reuse of an active result (the revocation window). */
        readonly maxAge: number;
        /** Reuse of an inactive result. */
        readonly negativeMaxAge: number;
        /** Entries of the in-memory store. */
        readonly maxEntries: number;
        /** The store of your own, if any. */
        readonly store: IntrospectionCache | undefined;
        /** How long a store read may take. */
        readonly storeTimeout: number;
      }
    | undefined;
}

/** A bounded in-memory {@link IntrospectionCache}: entries expire by their TTL, the oldest go first when full. */
class MemoryIntrospectionCache implements IntrospectionCache {
  readonly #entries = new Map<string, { entry: IntrospectionCacheEntry; expiresAt: number }>();
  readonly #oldest = new OldestKeys<string>(this.#entries);
  constructor(
    readonly maxEntries: number,
    readonly now: () => number,
  ) {}

  get(key: string): IntrospectionCacheEntry | undefined {
    const held = this.#entries.get(key);
    if (!held) return undefined;
    if (this.now() >= held.expiresAt) {
      this.#entries.delete(key);
      return undefined;
    }
    return held.entry;
  }

  set(key: string, entry: IntrospectionCacheEntry, ttlSeconds: number): void {
    this.#entries.delete(key);
    this.#entries.set(key, { entry, expiresAt: this.now() + ttlSeconds * 1000 });
    while (this.#entries.size > this.maxEntries) this.#entries.delete(this.#oldest.take()!);
  }
}

/**
 * The in-memory {@link IntrospectionCache} tollgate uses by default, for composing with a store of your own.
 * @param maxEntries - the most entries held; the oldest are dropped first
 * @param now - the clock in milliseconds (default `Date.now`)
 * @example const cache = createMemoryIntrospectionCache(10_000);
 * @see RFC 7662 section 4
 */
export function createMemoryIntrospectionCache(maxEntries: number, now: () => number = Date.now): IntrospectionCache {
  if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError('maxEntries must be a whole number >= 1');
  return new MemoryIntrospectionCache(maxEntries, now);
}
