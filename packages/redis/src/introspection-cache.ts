// The introspection result cache on Redis: one instance's answer from the endpoint serves every instance.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IntrospectionCache, IntrospectionCacheEntry } from '@tollgate/core';
import { z } from 'zod';
import { CommandGate } from './command-gate.js';
import { commandSenderOf } from './redis-client.js';
import { resolveStoreOptions, type RedisStoreOptions } from './store-options.js';

/** Options of {@link createRedisIntrospectionCache}. */
export interface RedisIntrospectionCacheOptions extends RedisStoreOptions {
  /**
   * A secret (at least 32 characters) that every entry is authenticated with (HMAC-SHA256, bound to
   * its key): an entry written without it, or moved to another key, is a miss. Set it when anyone but
   * your API instances can write to this Redis; give every instance the same one.
   */
  integrityKey?: string;
}

/** The {@link IntrospectionCache} on Redis: every call is asynchronous (one round trip). */
export interface RedisIntrospectionCache extends IntrospectionCache {
  /** The entry stored under `key`, or `undefined` (absent, expired, or not an entry); rejects with `RedisUnavailableError`. */
  get(key: string): Promise<IntrospectionCacheEntry | undefined>;
  /** Stores `entry` under `key` for `ttlSeconds` from now; rejects with `RedisUnavailableError`. */
  set(key: string, entry: IntrospectionCacheEntry, ttlSeconds: number): Promise<void>;
}

// Entries are introspection responses, which tollgate caps at 64 KiB by default (1 MiB at most): a larger value was not written by tollgate.
const MAX_VALUE_CHARS = 2 * 1024 * 1024;
// tollgate never keeps an answer longer than a day (cache.maxAge); a longer TTL is a caller's mistake.
const MAX_TTL_SECONDS = 86_400;

/** What is stored: the entry, until when it may be used (ms since the epoch), and its MAC when keyed. */
interface StoredEntry {
  readonly until: number;
  readonly entry: IntrospectionCacheEntry;
  readonly mac?: string;
}

/**
 * An {@link IntrospectionCache} on Redis, for `createVerifier({ introspection: { cache: { store } } })`:
 * a token introspected by one instance of the API is a cache hit on every other. Entries live under
 * `prefix` + `introspection:` + the digest tollgate gives (never the token), as JSON, until the time
 * tollgate set (the earlier of the token's `exp` and `cache.maxAge`), counted from when the answer was
 * received: an absolute expiry (`PXAT`, Redis 6.2 or later) and a stamp in the value, so a write that
 * reaches Redis late cannot stretch the revocation window. Redis down, failing or slow: the read counts
 * as a miss and the endpoint is asked; a value that is not an entry is a miss. Whoever can write to
 * Redis can plant answers: every hit is checked again (issuer, audience, expiry, scopes, claim rules),
 * and `integrityKey` makes planted entries misses.
 * @param options - your client, and `prefix`, `timeout`, `cooldown`, `integrityKey`
 * @example
 * import { createClient } from 'redis';
 * import { createRedisIntrospectionCache } from '@tollgate/redis';
 * const client = createClient({ url: process.env.REDIS_URL });
 * client.on('error', (error) => console.warn('redis:', error.message)); // node-redis stops the process on an unheard error
 * await client.connect();
 * const store = createRedisIntrospectionCache({ client });
 * createVerifier({ issuer, audience, introspection: { clientId, clientSecret, cache: { store } } });
 * @see RFC 7662 section 4
 */
export function createRedisIntrospectionCache(options: RedisIntrospectionCacheOptions): RedisIntrospectionCache {
  const settings = resolveStoreOptions<{ integrityKey?: string }>(options, 'createRedisIntrospectionCache', {
    integrityKey: z.string().min(32, 'at least 32 characters').optional(),
  });
  const gate = new CommandGate(commandSenderOf(options.client, 'createRedisIntrospectionCache: client'), settings, 'introspection');
  const keyPrefix = `${settings.prefix}introspection:`;
  const { integrityKey } = settings;
  // The MAC covers the key, the expiry and the entry: an entry cannot be moved to another token or kept longer.
  const macOf = (key: string, until: number, entry: IntrospectionCacheEntry): string =>
    createHmac('sha256', integrityKey!).update(`${key}\n${until}\n${JSON.stringify(entry)}`).digest('base64url');
  return Object.freeze({
    async get(key: string): Promise<IntrospectionCacheEntry | undefined> {
      const reply = await gate.run(['GET', keyPrefix + key]);
      if (typeof reply !== 'string' || reply.length > MAX_VALUE_CHARS) return undefined;
      let stored: Partial<StoredEntry>;
      try {
        stored = JSON.parse(reply) as Partial<StoredEntry>;
      } catch {
        return undefined;
      }
      if (typeof stored !== 'object' || stored === null || typeof stored.until !== 'number' || Date.now() >= stored.until) return undefined;
      if (integrityKey !== undefined) {
        if (typeof stored.mac !== 'string' || stored.entry === undefined) return undefined;
        const expected = Buffer.from(macOf(key, stored.until, stored.entry));
        const given = Buffer.from(stored.mac);
        if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
      }
      // tollgate checks the shape of what it gets back; anything else is a miss.
      return stored.entry;
    },
    async set(key: string, entry: IntrospectionCacheEntry, ttlSeconds: number): Promise<void> {
      if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > MAX_TTL_SECONDS) throw new RangeError(`ttlSeconds must be a whole number from 1 to ${MAX_TTL_SECONDS}`);
      // Counted from now, when the answer is in hand: Redis drops it at that instant however late the write lands.
      const until = Date.now() + ttlSeconds * 1000;
      const stored: StoredEntry = integrityKey === undefined ? { until, entry } : { until, entry, mac: macOf(key, until, entry) };
      await gate.run(['SET', keyPrefix + key, JSON.stringify(stored), 'PXAT', String(until)]);
    },
  });
}
