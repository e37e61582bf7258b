// The remote JWKS cache: single-flight fetches, refetch on an unknown kid, cooldown, stale keys on failure.
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
  /** Fetches the key set document (resolving discovery first when needed). */
  load: LoadJwks;
  /** The issuer or jwksUri these keys come from, named in audit events. */
  source: string;
  algorithms: readonly string[];
  /** Largest RSA modulus kept, in bits. */
  maxRsaModulusBits: number;
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

// Longest error text published in an audit event: a custom fetch may throw anything.
const MAX_ERROR_TEXT = 1000;

/**
 * Keys of one JWKS endpoint.
 * - One fetch at a time: concurrent callers share it.
 * - A `kid` not in the cache triggers a refetch at once (a rotated key verifies on its first use);
 *   only a refetch that still lacks the `kid` starts the cooldown.
 * - When the endpoint fails, keys up to `cacheMaxAge + staleIfError` old are still used; with none,
 *   callers get {@link JwksUnavailableError}, and no new fetch is tried until `cooldown` has passed.
 */
export class RemoteJwks {
  readonly #settings: RemoteJwksSettings;
  #keys: readonly PublicJwk[] | undefined;
  #fingerprint = '';
  #fetchedAt = Number.NEGATIVE_INFINITY;
  #pending: Promise<void> | undefined;
  /** When the fetch under way began. */
  #pendingSince = Number.NEGATIVE_INFINITY;
  #missCooldownUntil = Number.NEGATIVE_INFINITY;
  #failedUntil = Number.NEGATIVE_INFINITY;
  #lastError: unknown;
  #imported = new WeakMap<PublicJwk, KeyObject>();
  /** Bumped whenever the key set changes, so cached verifications from older keys are redone. */
  generation = 0;

  constructor(settings: RemoteJwksSettings) {
    this.#settings = settings;
  }

  /** Whether the keys are younger than `cacheMaxAge`. */
  isFresh(now = this.#settings.now()): boolean {
    return this.#keys !== undefined && now < this.#fetchedAt + this.#settings.cacheMaxAge * 1000;
  }

  /**
   * The key that verifies a token with this header, and the generation of the key set it came from
   * (taken before any await, so a refetch racing the import cannot relabel it). Throws
   * `InvalidTokenError` or `JwksUnavailableError`.
   */
  async getKey(selector: KeySelector): Promise<{ key: KeyObject; generation: number }> {
    const now = this.#settings.now();
    // Whether a fetch that began no earlier than this call succeeded: only its key set is sure to hold
    // every key published before the token arrived. A fetch already under way may predate a rotation.
    let current = false;
    if (!this.isFresh(now)) {
      let fetched = false;
      if (now >= this.#failedUntil) ({ fetched, current } = await this.#refresh(now));
      // Keys this very call just fetched are usable even when cacheMaxAge and staleIfError are both 0.
      if (!fetched && !this.#hasUsableKeys(this.#settings.now())) throw this.#unavailable();
    }
    let jwk = this.#select(selector);
    // An unknown kid: look it up in a key set fetched since the token arrived. Joining a fetch that
    // began earlier is not enough (the key may have been published meanwhile), so at most one more.
    for (let attempt = 0; !jwk && !current && attempt < 2; attempt += 1) {
      // The endpoint is failing: a new key may be exactly what we cannot fetch, so the token is not at fault.
      if (this.#settings.now() < this.#failedUntil) throw this.#unavailable();
      if (this.#settings.now() < this.#missCooldownUntil) break;
      const result = await this.#refresh(now);
      if (!result.fetched) throw this.#unavailable();
      current = result.current;
      jwk = this.#select(selector);
    }
    if (!jwk) {
      // Only a key set fetched since the token arrived proves the kid unknown and starts the cooldown.
      if (current) this.#missCooldownUntil = this.#settings.now() + this.#settings.cooldown * 1000;
      throw new InvalidTokenError('unknown signing key', { reason: 'unknown_key', realm: this.#settings.realm });
    }
    const generation = this.generation;
    return { key: this.#import(jwk), generation };
  }

  #hasUsableKeys(now: number): boolean {
    const { cacheMaxAge, staleIfError } = this.#settings;
    return this.#keys !== undefined && now < this.#fetchedAt + (cacheMaxAge + staleIfError) * 1000;
  }

  #select({ alg, kid }: KeySelector): PublicJwk | undefined {
    const keys = this.#keys ?? [];
    // The key's type and curve fit the alg, and its own `alg`, when it names one, is that alg.
    const fits = (key: PublicJwk) => keyFitsAlgorithm(key, alg) && (key.alg === undefined || key.alg === alg);
    if (kid === undefined) {
      const candidates = keys.filter(fits);
      if (candidates.length > 1) {
        throw new InvalidTokenError('token has no kid and several keys match', { reason: 'ambiguous_key', realm: this.#settings.realm });
      }
      return candidates[0];
    }
    const named = keys.filter((key) => key.kid === kid);
    if (named.length === 0) return undefined;
    const fitting = named.find(fits);
    // The kid exists but names a key of another type or algorithm: a key-confusion attempt, not a rotation.
    if (!fitting) throw new InvalidTokenError('algorithm does not match the signing key', { reason: 'algorithm', realm: this.#settings.realm });
    return fitting;
  }

  /** The key as a node:crypto KeyObject, imported once per key set entry. */
  #import(jwk: PublicJwk): KeyObject {
    let key = this.#imported.get(jwk);
    if (!key) {
      try {
        key = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
      } catch (cause) {
        // e.g. an EC point that is not on its curve: the entry is unusable, the token is not forged by us.
        throw new InvalidTokenError('signing key is unusable', { reason: 'unknown_key', realm: this.#settings.realm, cause });
      }
      this.#imported.set(jwk, key);
    }
    return key;
  }

  /**
   * Joins the fetch under way or starts one. `fetched`: it succeeded; `current`: it also began no
   * earlier than `since`.
   */
  async #refresh(since: number): Promise<{ fetched: boolean; current: boolean }> {
    if (!this.#pending) {
      this.#pendingSince = this.#settings.now();
      this.#pending = this.#fetch().finally(() => {
        this.#pending = undefined;
      });
    }
    const startedAt = this.#pendingSince;
    try {
      await this.#pending;
      return { fetched: true, current: startedAt >= since };
    } catch {
      return { fetched: false, current: false };
    }
  }

  async #fetch(): Promise<void> {
    try {
      const { document, metadataError } = await this.#settings.load();
      const keys = parseJwks(document, this.#settings.algorithms, this.#settings);
      const fingerprint = JSON.stringify(keys);
      const changed = fingerprint !== this.#fingerprint;
      if (changed) {
        this.#fingerprint = fingerprint;
        this.#keys = keys;
        this.generation += 1;
      }
      this.#fetchedAt = this.#settings.now();
      this.#failedUntil = Number.NEGATIVE_INFINITY;
      this.#lastError = undefined;
      const kids = keys.flatMap((key) => (typeof key.kid === 'string' ? [key.kid] : []));
      const event = { outcome: 'fetched', source: this.#settings.source, keys: keys.length, kids, changed } as const;
      publishJwks(metadataError === undefined ? event : { ...event, metadataProblem: describe(metadataError) });
    } catch (error) {
      this.#lastError = error;
      this.#failedUntil = this.#settings.now() + this.#settings.cooldown * 1000;
      publishJwks({ outcome: 'failed', source: this.#settings.source, ...describe(error), staleKeys: this.#hasUsableKeys(this.#settings.now()) });
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

/** A failure as an audit event tells it: its kind of problem, and its message (which names the URL, never a body). */
function describe(error: unknown): { problem: JwksProblem; error: string } {
  const problem = error instanceof FetchJsonError ? error.problem : 'endpoint';
  const message = error instanceof Error ? error.message.slice(0, MAX_ERROR_TEXT) : 'JWKS fetch failed';
  return { problem, error: message };
}
