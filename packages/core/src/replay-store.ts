// Replay protection: the ReplayStore interface (one atomic "claim this key") and its bounded in-memory default.
import { createHash } from 'node:crypto';

/**
 * Where one-time values (a DPoP proof's `jti`) are remembered so a second use is refused. One call,
 * atomic: claim `key` for `ttlSeconds`, and answer whether it was free. Share one store between all
 * instances of an API (`createRedisReplayStore` from `@tollgate/redis`) so a proof replayed against
 * another instance is refused too.
 *
 * A store that cannot answer (throws, rejects, is too slow) makes the request a 503, never a pass.
 * A store must never forget a claimed key before its TTL: a store that is full refuses (throws).
 * @example
 * const store: ReplayStore = {
 *   async claim(key, ttlSeconds) { return (await redis.set(key, '1', { NX: true, EX: ttlSeconds })) === 'OK'; },
 * };
 * @see RFC 9449 section 11.1
 */
export interface ReplayStore {
  /**
   * Claims `key` for `ttlSeconds` (a whole number, at least 1): `true` when it was free and is now
   * claimed, `false` when it was already claimed (a replay). Two concurrent claims of one key: one `true`.
   */
  claim(key: string, ttlSeconds: number): boolean | Promise<boolean>;
}

/** Options of {@link createMemoryReplayStore}. */
export interface MemoryReplayStoreOptions {
  /** The most keys held at once. When every one is still live, new claims are refused. Default 100000. */
  maxEntries?: number;
  /** The clock in milliseconds. Default `Date.now`. */
  now?: () => number;
}

/**
 * The in-memory store is full of keys that are all still live. The claim is refused rather than an
 * entry forgotten early (which would let its replay through); `retryAfter` says when room frees up.
 */
export class ReplayStoreFullError extends Error {
  /** Seconds until the oldest key expires (at least 1). */
  readonly retryAfter: number;
  constructor(retryAfter: number) {
    super('replay store is full');
    this.name = 'ReplayStoreFullError';
    this.retryAfter = Math.max(1, Math.ceil(retryAfter));
  }
}

// A full store sweeps for expired keys at most this often, so a flood against a full store stays O(1) per claim.
const SWEEP_INTERVAL_MS = 1000;

/**
 * Keys (as SHA-256 digests, so a long key costs 43 characters) with their expiry, and a queue in claim
 * order from which expired keys leave. The queue, not the Map, is walked: iterating a Map from the
 * front walks over every entry deleted there since it last compacted itself.
 */
class MemoryReplayStore implements ReplayStore {
  readonly #expiries = new Map<string, number>();
  #queue: Array<{ key: string; expiresAt: number }> = [];
  #head = 0;
  #nextSweepAt = Number.NEGATIVE_INFINITY;

  constructor(
    readonly maxEntries: number,
    readonly now: () => number,
  ) {}

  claim(key: string, ttlSeconds: number): boolean {
    if (typeof key !== 'string') throw new TypeError('key must be a string');
    if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1) throw new RangeError('ttlSeconds must be a whole number >= 1');
    const now = this.now();
    this.#dropExpiredHead(now);
    const digest = createHash('sha256').update(key, 'utf8').digest('base64url');
    const expiresAt = this.#expiries.get(digest);
    if (expiresAt !== undefined) {
      if (expiresAt > now) return false;
      this.#expiries.delete(digest);
    }
    if (this.#expiries.size >= this.maxEntries) this.#makeRoom(now);
    const until = now + ttlSeconds * 1000;
    this.#expiries.set(digest, until);
    this.#queue.push({ key: digest, expiresAt: until });
    return true;
  }

  /** Number of keys held (expired ones not yet dropped included). */
  get size(): number {
    return this.#expiries.size;
  }

  #dropExpiredHead(now: number): void {
    const queue = this.#queue;
    while (this.#head < queue.length && queue[this.#head]!.expiresAt <= now) {
      const { key, expiresAt } = queue[this.#head++]!;
      // Only the claim this queue entry stands for: a key claimed again since has a later expiry.
      if (this.#expiries.get(key) === expiresAt) this.#expiries.delete(key);
    }
    // Drop the consumed part now and then, so the queue holds about one entry per live key.
    if (this.#head > 1024 && this.#head * 2 > queue.length) {
      this.#queue = queue.slice(this.#head);
      this.#head = 0;
    }
  }

  // Keys claimed with different TTLs can leave expired keys behind a live head: sweep them, at most once a second.
  #makeRoom(now: number): void {
    if (now >= this.#nextSweepAt) {
      this.#nextSweepAt = now + SWEEP_INTERVAL_MS;
      for (const [key, expiresAt] of this.#expiries) if (expiresAt <= now) this.#expiries.delete(key);
      this.#queue = this.#queue.slice(this.#head).filter(({ key, expiresAt }) => this.#expiries.get(key) === expiresAt);
      this.#head = 0;
    }
    if (this.#expiries.size < this.maxEntries) return;
    // The head of the queue is the oldest claim: a close enough hint for Retry-After.
    const oldest = this.#queue[this.#head]?.expiresAt ?? now + 1000;
    throw new ReplayStoreFullError((oldest - now) / 1000);
  }
}

/**
 * The bounded in-memory {@link ReplayStore} tollgate uses by default: right for one instance; several
 * instances need a shared store. When full of live keys it refuses new claims ({@link ReplayStoreFullError},
 * a 503) instead of forgetting a key early.
 * @param options - `maxEntries` (default 100000) and the clock
 * @example const store = createMemoryReplayStore({ maxEntries: 50_000 });
 * @see RFC 9449 section 11.1
 */
export function createMemoryReplayStore(options: MemoryReplayStoreOptions = {}): ReplayStore {
  const { maxEntries = 100_000, now = Date.now } = options;
  if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError('maxEntries must be a whole number >= 1');
  if (typeof now !== 'function') throw new TypeError('now must be a function returning milliseconds');
  return new MemoryReplayStore(maxEntries, now);
}
