// The introspection result cache: keyed by a SHA-256 digest of the token, TTLs bounded by exp and maxAge, a failing store read as a miss.
import { createHash } from 'node:crypto';
import { createMemoryIntrospectionCache, type IntrospectionCache, type IntrospectionCacheEntry, type ResolvedIntrospectionOptions } from '../../introspection.js';
import { isNumericDate } from '../time-claims.js';

/**
 * The cache key of a token: a SHA-256 digest, base64url, of the token and `namespace` (which endpoint,
 * which client, which response format), so verifiers set up for different authorization servers never
 * read each other's answers from a shared store. A store never sees a token.
 */
export function cacheKeyOf(token: string, namespace: string): string {
  return createHash('sha256').update(namespace, 'utf8').update('\n', 'utf8').update(token, 'utf8').digest('base64url');
}

/** What sets one verifier's answers apart from another's in a shared store: endpoint (or issuer), client id, format. */
export function cacheNamespaceOf(endpoint: string | undefined, issuer: string, clientId: string, jwtResponse: boolean): string {
  return JSON.stringify([endpoint ?? `discovered from ${issuer}`, clientId, jwtResponse ? 'jwt' : 'json']);
}

/** Settings of a {@link ResultCache}. */
export interface ResultCacheSettings {
  readonly cache: NonNullable<ResolvedIntrospectionOptions['cache']>;
  readonly now: () => number;
  /** Told when the store fails; the cache then behaves as a miss (get) or as not stored (set). */
  readonly onStoreError: (operation: 'get' | 'set', error: unknown) => void;
}

/** Whether a value read back from a store is an entry tollgate wrote: anything else is a miss. */
function isEntry(value: unknown): value is IntrospectionCacheEntry {
  if (typeof value !== 'object' || value === null) return false;
  const entry = value as { active?: unknown; claims?: unknown };
  if (entry.active === false) return true;
  return entry.active === true && typeof entry.claims === 'object' && entry.claims !== null && !Array.isArray(entry.claims);
}

/** The cache in front of the endpoint; every failure of the store degrades to "not cached", never to a pass. */
export class ResultCache {
  readonly #store: IntrospectionCache;
  readonly #settings: ResultCacheSettings;

  constructor(settings: ResultCacheSettings) {
    this.#settings = settings;
    this.#store = settings.cache.store ?? createMemoryIntrospectionCache(settings.cache.maxEntries, settings.now);
  }

  /** The entry for `key`, or `undefined` (absent, malformed, the store failed or took longer than storeTimeout). */
  async get(key: string): Promise<IntrospectionCacheEntry | undefined> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const answer = this.#store.get(key);
      if (typeof (answer as Promise<unknown> | undefined)?.then !== 'function') return isEntry(answer) ? answer : undefined;
      const read = Promise.resolve(answer);
      const timeout = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), this.#settings.cache.storeTimeout * 1000);
      });
      // A store that never answers must not hold the request: past storeTimeout it is a miss.
      read.catch(() => {});
      const value = await Promise.race([read, timeout]);
      if (value === 'timeout') {
        this.#settings.onStoreError('get', new Error(`store read took longer than ${this.#settings.cache.storeTimeout} s`));
        return undefined;
      }
      return isEntry(value) ? value : undefined;
    } catch (error) {
      this.#settings.onStoreError('get', error);
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Stores the endpoint's answer. An active one is kept until the token's `exp` or `maxAge`, whichever
   * comes first (a token revoked meanwhile is accepted for at most that long); an inactive one for
   * `negativeMaxAge`. Under a second of life left: not stored.
   * @see RFC 7662 section 4
   */
  set(key: string, entry: IntrospectionCacheEntry): void {
    const ttl = this.ttlOf(entry);
    if (ttl < 1) return;
    try {
      const stored = this.#store.set(key, entry, ttl);
      if (typeof (stored as Promise<void> | undefined)?.then === 'function') Promise.resolve(stored).catch((error: unknown) => this.#settings.onStoreError('set', error));
    } catch (error) {
      this.#settings.onStoreError('set', error);
    }
  }

  /** Whole seconds an answer is reused from now: the earlier of `exp` and `maxAge` when active, else `negativeMaxAge`. */
  ttlOf(entry: IntrospectionCacheEntry): number {
    const { maxAge, negativeMaxAge } = this.#settings.cache;
    if (!entry.active) return Math.floor(negativeMaxAge);
    const exp = entry.claims.exp;
    // Without a usable exp the token is refused anyway; remembering that costs no more than a refusal.
    return Math.floor(isNumericDate(exp) ? Math.min(maxAge, exp - this.#settings.now() / 1000) : negativeMaxAge);
  }
}
