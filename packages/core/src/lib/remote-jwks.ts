// The remote JWKS cache: single-flight fetches, a refetch when the keys in hand cannot verify a token
// (a new kid, a key replaced behind its kid), cooldowns, background refresh, stale keys on failure.
import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import type { JwksProblem } from '../audit-events.js';
import { InvalidTokenError, JwksUnavailableError } from '../errors.js';
import { keyFitsAlgorithm } from '../algorithms.js';
import { FetchJsonError } from './fetch-json.js';
import type { LoadJwks } from './jwks-location.js';
import { parseJwks, type PublicJwk } from './parse-jwks.js';
import { publishJwks } from './publish-audit-events.js';

/** Settings of a {@link RemoteJwks}; durations in seconds. */
export interface RemoteJwksSettings {
  /** Fetches the key set document (resolving discovery first when needed), and says how long it is fresh. */
  load: LoadJwks;
  /** The issuer or jwksUri these keys come from, named in audit events. */
  source: string;
  algorithms: readonly string[];
  /** Largest RSA modulus kept, in bits. */
  maxRsaModulusBits: number;
  /** Freshness of the keys until a fetch sets its own (from its response's caching headers). */
  cacheMaxAge: number;
  cooldown: number;
  staleIfError: number;
  realm: string;
  now: () => number;
}

/** The protected header fields that choose a key. */
export interface KeySelector {
  alg: string;
  kid?: string | undefined;
}

/** What the keys of a token's issuer said about its signature. */
export interface SignatureVerdict {
  readonly valid: boolean;
  /** The generation of the key set that decided: a cached decision holds while it is current. */
  readonly generation: number;
  /**
   * For a refusal: when a refetch could change it (milliseconds since the epoch), i.e. when the keys
   * that decided are older than the cooldown. Until then the refusal stands as it is.
   */
  readonly recheckAt: number;
}

// Generations are unique across key sets: a decision cached under a key set that was dropped (an evicted
// tenant's) never matches the key set made for that issuer later, whatever keys either fetched.
let lastGeneration = 0;

// Longest error text published in an audit event: a custom fetch may throw anything.
const MAX_ERROR_TEXT = 1000;

/**
 * Keys of one JWKS endpoint.
 * - One fetch at a time: concurrent callers share it.
 * - A `kid` not in the cache triggers a refetch at once (a rotated key verifies on its first use);
 *   only a refetch that still lacks the `kid` starts the cooldown, within which unknown kids cause no
 *   fetch.
 * - A key in the cache that cannot verify the token (a signature that fails, a key of another type
 *   behind the `kid`, several keys for a token without `kid`) triggers a refetch and a retry with the
 *   new key when the keys in hand are older than the cooldown: an issuer may replace the key behind a
 *   `kid`. Each refetch makes the keys young again, so forged signatures cost one fetch per cooldown.
 * - Keys older than their freshness (the fetch's caching headers within bounds, else `cacheMaxAge`;
 *   never under the cooldown) are refreshed in the background while they keep serving, for up to
 *   `staleIfError` more; past that a request waits for the fetch.
 * - When the endpoint fails, callers without usable keys get {@link JwksUnavailableError}, and no new
 *   fetch is tried until `cooldown` has passed.
 */
export class RemoteJwks {
  readonly #settings: RemoteJwksSettings;
  /** How long the keys in hand are fresh, and usable, from their fetch: set by each fetch's caching headers. */
  #maxAgeMs = 0;
  #usableMs = 0;
  readonly #cooldownMs: number;
  #keys: readonly PublicJwk[] | undefined;
  #fingerprint = '';
  #fetchedAt = Number.NEGATIVE_INFINITY;
  /**
   * Fetches are numbered as they start: a caller notes the count when its token arrives, and only a
   * fetch numbered above it began after the token arrived (clock readings cannot tell within a tick).
   */
  #started = 0;
  /** The number of the fetch under way, and of the one that brought the keys in hand. */
  #pendingNumber = 0;
  #fetchedNumber = 0;
  #pending: Promise<void> | undefined;
  /** When the last fetch started: a key that failed to verify starts no new fetch within a cooldown of it. */
  #lastStartAt = Number.NEGATIVE_INFINITY;
  #missCooldownUntil = Number.NEGATIVE_INFINITY;
  #failedUntil = Number.NEGATIVE_INFINITY;
  #lastError: unknown;
  #imported = new WeakMap<PublicJwk, KeyObject>();
  /**
   * Bumped whenever a fetch returns a different key set, so decisions made with older keys are redone.
   * It names the keys' content, not their age: a refresh that finds the same keys keeps it. Unique across
   * key sets; 0 until keys were fetched.
   */
  generation = 0;

  constructor(settings: RemoteJwksSettings) {
    this.#settings = settings;
    this.#cooldownMs = settings.cooldown * 1000;
    this.#setFreshness(settings.cacheMaxAge);
  }

  #setFreshness(seconds: number): void {
    // Keys are refetched for age at most once per cooldown: with a lifetime (and staleIfError) shorter
    // than it, every request would start a fetch, and the cooldown is what bounds them. A response's
    // max-age=0 or no-cache included.
    this.#maxAgeMs = Math.max(seconds * 1000, this.#cooldownMs);
    this.#usableMs = Math.max((seconds + this.#settings.staleIfError) * 1000, this.#cooldownMs);
  }

  /**
   * Whether the keys in hand may decide a request now without waiting for the endpoint: they are
   * younger than `cacheMaxAge`, or older but within `staleIfError`, and then a background refresh is
   * started unless one runs or the endpoint's failure cooldown does. Synchronous and allocation-free:
   * every verified-token cache hit asks it.
   */
  inHand(now: number): boolean {
    if (this.#keys === undefined) return false;
    if (now < this.#fetchedAt + this.#maxAgeMs) return true;
    if (now >= this.#fetchedAt + this.#usableMs) return false;
    // #refresh never rejects (a failure is recorded and published), so nobody needs to await it.
    if (!this.#pending && now >= this.#failedUntil) void this.#refresh(this.#started);
    return true;
  }

  /**
   * Checks a token's signature with the key its header selects; `check` does the cryptography. When the
   * keys in hand cannot verify the token and may predate it, the endpoint is asked once more (shared
   * with concurrent callers, rationed by the cooldown) and the new key tried.
   * Throws `InvalidTokenError` when no key fits the header, `JwksUnavailableError` when the keys
   * cannot be had.
   */
  async verify(selector: KeySelector, check: (key: KeyObject) => Promise<boolean>): Promise<SignatureVerdict> {
    const arrived = this.#settings.now();
    const seen = this.#started;
    // Whether the keys in hand come from a fetch that began after the token arrived: only they are
    // sure to hold every key published before it.
    let current = false;
    if (!this.inHand(arrived)) current = await this.#fetchNow(arrived, seen);
    // A key replaced behind its kid is looked for only in keys older than the cooldown: keys fetched
    // since are proof enough, which is what bounds the fetches a flood of forged signatures causes.
    const replaceable = arrived >= this.#fetchedAt + this.#cooldownMs;
    let tried: PublicJwk | undefined;
    let valid = false;
    let refusal: InvalidTokenError | undefined;
    let missing = false;
    let generation = this.generation;
    for (let refetches = 0; ; refetches += 1) {
      // Taken before any await, so a refetch racing the check cannot relabel the decision.
      generation = this.generation;
      const found = this.#select(selector);
      missing = found === undefined;
      refusal = found === undefined ? this.#unknownKey() : found instanceof InvalidTokenError ? found : undefined;
      if (!refusal) {
        const jwk = found as PublicJwk;
        // The refetch returned the same key for this header: its answer is already known.
        if (!tried || !sameKey(tried, jwk)) {
          const key = this.#import(jwk);
          if (key instanceof InvalidTokenError) refusal = key;
          else {
            tried = jwk;
            valid = await check(key);
          }
        }
        if (valid) return { valid, generation, recheckAt: Number.POSITIVE_INFINITY };
      }
      // The keys in hand cannot verify this token, and a rotation may be why (a new kid, or a new key
      // behind a kid or for a token without one), unless they were fetched since the token arrived.
      // A fetch already under way may predate the rotation, so at most two refetches.
      if (current || refetches === 2) break;
      if (!missing && !replaceable) break;
      const now = this.#settings.now();
      // The endpoint is failing: the new key may be exactly what cannot be fetched, so the token is not at fault.
      if (now < this.#failedUntil) throw this.#unavailable();
      if (missing && now < this.#missCooldownUntil) break;
      // A key that fails to verify (not a missing kid) starts a fetch only if none started within the
      // cooldown; joining one under way is free. Without this, tokens arriving while a refetch ran
      // would each start another when it landed: a flood of forged signatures cost 2-3 fetches.
      if (!missing && !this.#pending && now < this.#lastStartAt + this.#cooldownMs && !(this.#fetchedNumber > seen)) break;
      // A fetch that began since the token arrived has landed meanwhile (a concurrent caller's refetch,
      // while this one checked its signature): decide with its keys rather than fetch again.
      if (!this.#pending && this.#fetchedNumber > seen) {
        current = true;
        continue;
      }
      const result = await this.#refresh(seen);
      if (!result.fetched) throw this.#unavailable();
      current = result.current;
    }
    // Only a key set fetched since the token arrived proves a kid unknown and starts its cooldown.
    if (missing && current) this.#missCooldownUntil = this.#settings.now() + this.#cooldownMs;
    if (refusal) throw refusal;
    return { valid: false, generation, recheckAt: this.#fetchedAt + this.#cooldownMs };
  }

  /** No usable keys in hand (none, or past `staleIfError`): waits for a fetch. Returns whether it is current. */
  async #fetchNow(arrived: number, seen: number): Promise<boolean> {
    if (arrived >= this.#failedUntil) {
      const { fetched, current } = await this.#refresh(seen);
      // Keys this very call just fetched are usable even when cacheMaxAge and staleIfError are both 0.
      if (fetched) return current;
    }
    throw this.#unavailable();
  }

  #usable(now: number): boolean {
    return this.#keys !== undefined && now < this.#fetchedAt + this.#usableMs;
  }

  /**
   * The key for a token with this header; `undefined` when the keys in hand have none for it (an unknown
   * kid, or no key of the alg for a token without kid); the refusal when they have keys that cannot do.
   */
  #select({ alg, kid }: KeySelector): PublicJwk | InvalidTokenError | undefined {
    const keys = this.#keys ?? [];
    const realm = this.#settings.realm;
    // The key's type and curve fit the alg, and its own `alg`, when it names one, is that alg.
    const fits = (key: PublicJwk) => keyFitsAlgorithm(key, alg) && (key.alg === undefined || key.alg === alg);
    if (kid === undefined) {
      const candidates = keys.filter(fits);
      if (candidates.length > 1) return new InvalidTokenError('token has no kid and several keys match', { reason: 'ambiguous_key', realm });
      return candidates[0];
    }
    const named = keys.filter((key) => key.kid === kid);
    if (named.length === 0) return undefined;
    // The kid names a key of another type or algorithm: a key-confusion attempt, or the issuer put a
    // key of another type behind the kid; a refetch of keys older than the cooldown tells which.
    return named.find(fits) ?? new InvalidTokenError('algorithm does not match the signing key', { reason: 'algorithm', realm });
  }

  #unknownKey(): InvalidTokenError {
    return new InvalidTokenError('unknown signing key', { reason: 'unknown_key', realm: this.#settings.realm });
  }

  /** The key as a node:crypto KeyObject, imported once per key set entry. */
  #import(jwk: PublicJwk): KeyObject | InvalidTokenError {
    let key = this.#imported.get(jwk);
    if (!key) {
      try {
        key = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
      } catch (cause) {
        // e.g. an EC point that is not on its curve: the entry is unusable, the token is not forged by us.
        return new InvalidTokenError('signing key is unusable', { reason: 'unknown_key', realm: this.#settings.realm, cause });
      }
      this.#imported.set(jwk, key);
    }
    return key;
  }

  /**
   * Joins the fetch under way or starts one. `fetched`: it succeeded; `current`: it also began after
   * fetch number `seen`. Never rejects.
   */
  async #refresh(seen: number): Promise<{ fetched: boolean; current: boolean }> {
    if (!this.#pending) {
      this.#lastStartAt = this.#settings.now();
      this.#started += 1;
      this.#pendingNumber = this.#started;
      this.#pending = this.#fetch(this.#started).finally(() => {
        this.#pending = undefined;
      });
    }
    const number = this.#pendingNumber;
    try {
      await this.#pending;
      return { fetched: true, current: number > seen };
    } catch {
      return { fetched: false, current: false };
    }
  }

  async #fetch(number: number): Promise<void> {
    try {
      const { document, metadataError, freshFor } = await this.#settings.load();
      const keys = parseJwks(document, this.#settings.algorithms, this.#settings);
      // The same keys in another order (key order, member order) are the same key set: an issuer that
      // shuffles them must not empty the verified-token cache at every refresh.
      const fingerprint = JSON.stringify(keys.map((key) => JSON.stringify(key, Object.keys(key).sort())).sort());
      const changed = fingerprint !== this.#fingerprint;
      if (changed) {
        this.#fingerprint = fingerprint;
        this.#keys = keys;
        this.generation = ++lastGeneration;
      }
      this.#fetchedAt = this.#settings.now();
      this.#setFreshness(freshFor);
      this.#fetchedNumber = number;
      this.#failedUntil = Number.NEGATIVE_INFINITY;
      this.#lastError = undefined;
      const kids = keys.flatMap((key) => (typeof key.kid === 'string' ? [key.kid] : []));
      const event = { outcome: 'fetched', source: this.#settings.source, keys: keys.length, kids, changed } as const;
      publishJwks(metadataError === undefined ? event : { ...event, metadataProblem: describe(metadataError) });
    } catch (error) {
      this.#lastError = error;
      this.#failedUntil = this.#settings.now() + this.#settings.cooldown * 1000;
      publishJwks({ outcome: 'failed', source: this.#settings.source, ...describe(error), staleKeys: this.#usable(this.#settings.now()) });
      throw error;
    }
  }

  #unavailable(): JwksUnavailableError {
    const wait = (this.#failedUntil - this.#settings.now()) / 1000;
    return new JwksUnavailableError({
      retryAfter: Number.isFinite(wait) && wait > 0 ? wait : this.#settings.cooldown,
      realm: this.#settings.realm,
      cause: this.#lastError,
    });
  }
}

/** Whether two JWKs hold the same public key (not just the same kid). */
function sameKey(a: PublicJwk, b: PublicJwk): boolean {
  return a === b || (a.kty === b.kty && a.crv === b.crv && a.n === b.n && a.e === b.e && a.x === b.x && a.y === b.y);
}

/** A failure as an audit event tells it: its kind of problem, and its message (which names the URL, never a body). */
function describe(error: unknown): { problem: JwksProblem; error: string } {
  const problem = error instanceof FetchJsonError ? error.problem : 'endpoint';
  const message = error instanceof Error ? error.message.slice(0, MAX_ERROR_TEXT) : 'JWKS fetch failed';
  return { problem, error: message };
}
