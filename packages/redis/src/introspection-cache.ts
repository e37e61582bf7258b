// The introspection result cache on Redis: one instance's answer from the endpoint serves every instance.
import type { IntrospectionCache, IntrospectionCacheEntry } from '@tollgate/core';
import { CommandGate } from './command-gate.js';
import { commandSenderOf } from './redis-client.js';
import { resolveStoreOptions, type RedisStoreOptions } from './store-options.js';

/** Options of {@link createRedisIntrospectionCache}. */
export type RedisIntrospectionCacheOptions = RedisStoreOptions;

/** The {@link IntrospectionCache} on Redis: every call is asynchronous (one round trip). */
export interface RedisIntrospectionCache extends IntrospectionCache {
  /** The entry stored under `key`, or `undefined` (absent, or not an entry); rejects with `RedisUnavailableError`. */
  get(key: string): Promise<IntrospectionCacheEntry | undefined>;
  /** Stores `entry` under `key` for `ttlSeconds`; rejects with `RedisUnavailableError`. */
  set(key: string, entry: IntrospectionCacheEntry, ttlSeconds: number): Promise<void>;
}

// Entries are introspection responses, which tollgate caps at 64 KiB by default (1 MiB at most): a larger value was not written by tollgate.
const MAX_VALUE_CHARS = 2 * 1024 * 1024;

/**
 * An {@link IntrospectionCache} on Redis, for `createVerifier({ introspection: { cache: { store } } })`:
 * a token introspected by one instance of the API is a cache hit on every other. Entries live under
 * `prefix` + `introspection:` + the digest tollgate gives (never the token), as JSON, with the TTL
 * tollgate sets (the earlier of the token's `exp` and `cache.maxAge`). Redis down, failing or slow:
 * the read counts as a miss and the endpoint is asked (tollgate's own limits on introspection requests
 * still apply); a value that is not an entry is a miss. Whoever can write to Redis can plant answers,
 * so the claims of every hit are checked again (issuer, audience, expiry, scopes, claim rules).
 * @param options - your client, and `prefix`, `timeout`, `cooldown`
 * @example
 * import { createClient } from 'redis';
 * import { createRedisIntrospectionCache } from '@tollgate/redis';
 * const client = await createClient({ url: process.env.REDIS_URL }).connect();
 * const store = createRedisIntrospectionCache({ client });
 * createVerifier({ issuer, audience, introspection: { clientId, clientSecret, cache: { store } } });
 * @see RFC 7662 section 4
 */
export function createRedisIntrospectionCache(options: RedisIntrospectionCacheOptions): RedisIntrospectionCache {
  const settings = resolveStoreOptions(options, 'createRedisIntrospectionCache');
  const gate = new CommandGate(commandSenderOf(options.client, 'createRedisIntrospectionCache: client'), settings, 'introspection');
  const keyPrefix = `${settings.prefix}introspection:`;
  return Object.freeze({
    async get(key: string): Promise<IntrospectionCacheEntry | undefined> {
      const reply = await gate.run(['GET', keyPrefix + key]);
      if (typeof reply !== 'string' || reply.length > MAX_VALUE_CHARS) return undefined;
      try {
        // tollgate checks the shape of what it gets back; anything else is a miss.
        return JSON.parse(reply) as IntrospectionCacheEntry;
      } catch {
        return undefined;
      }
    },
    async set(key: string, entry: IntrospectionCacheEntry, ttlSeconds: number): Promise<void> {
      if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1) throw new RangeError('ttlSeconds must be a whole number >= 1');
      await gate.run(['SET', keyPrefix + key, JSON.stringify(entry), 'PX', String(ttlSeconds * 1000)]);
    },
  });
}
