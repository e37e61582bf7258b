// The DPoP replay store on Redis: one atomic SET NX PX per claim, keys hashed and prefixed.
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { ReplayStore } from '@tollgate/core';
import { z } from 'zod';
import { CommandGate, RedisUnavailableError } from './command-gate.js';
import { EvictionPolicyCheck } from './eviction-policy.js';
import { commandSenderOf } from './redis-client.js';
import { resolveStoreOptions, type RedisStoreOptions } from './store-options.js';

/** Options of {@link createRedisReplayStore}. */
export interface RedisReplayStoreOptions extends RedisStoreOptions {
  /**
   * Read Redis's eviction policy (`INFO memory`) at the first claim and once a minute, and refuse claims
   * (a 503) while Redis has a memory limit with any policy but `noeviction`: such a Redis may drop a
   * claimed proof before its TTL and let its replay through. Default `true`; `false` accepts that risk.
   */
  evictionCheck?: boolean;
}

/** The {@link ReplayStore} on Redis: every claim is asynchronous (one round trip). */
export interface RedisReplayStore extends ReplayStore {
  /** `true` when `key` was free and is now claimed for `ttlSeconds`; rejects with {@link RedisUnavailableError}. */
  claim(key: string, ttlSeconds: number): Promise<boolean>;
}

// A proof is remembered for minutes; a TTL over a day is a caller's mistake (and Redis would refuse a huge one).
const MAX_TTL_SECONDS = 86_400;

/**
 * A {@link ReplayStore} on Redis, shared by every instance of the API: a DPoP proof used against one
 * instance is a replay on all of them. Each claim is one atomic `SET key 1 NX PX ttl`, so two instances
 * claiming one proof at the same moment cannot both win. Keys are the SHA-256 of the claimed value under
 * `prefix` + `replay:`. Redis down, failing or slower than `timeout`: the claim rejects with
 * {@link RedisUnavailableError}, which tollgate answers with a 503 and `Retry-After`, never a pass; the
 * store recovers by itself when Redis answers again, and says both on {@link REDIS_CHANNEL}. A Redis that
 * may evict keys early (a memory limit without `maxmemory-policy noeviction`) is refused the same way.
 * @param options - your client, and `prefix`, `timeout`, `cooldown`
 * @example
 * import { Redis } from 'ioredis';
 * import { createRedisReplayStore } from '@tollgate/redis';
 * const replay = createRedisReplayStore({ client: new Redis(process.env.REDIS_URL!), prefix: 'orders-api:' });
 * app.use(requireAuth({ issuer, audience, dpop: { replay } }));
 * @see RFC 9449 section 11.1
 */
export function createRedisReplayStore(options: RedisReplayStoreOptions): RedisReplayStore {
  const settings = resolveStoreOptions<{ evictionCheck: boolean }>(options, 'createRedisReplayStore', { evictionCheck: z.boolean().default(true) });
  const gate = new CommandGate(commandSenderOf(options.client, 'createRedisReplayStore: client'), settings, 'replay');
  const eviction = settings.evictionCheck ? new EvictionPolicyCheck(gate, () => performance.now()) : undefined;
  const keyPrefix = `${settings.prefix}replay:`;
  return Object.freeze({
    async claim(key: string, ttlSeconds: number): Promise<boolean> {
      if (typeof key !== 'string') throw new TypeError('key must be a string');
      if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > MAX_TTL_SECONDS) throw new RangeError(`ttlSeconds must be a whole number from 1 to ${MAX_TTL_SECONDS}`);
      await eviction?.ensureSafe();
      const digest = createHash('sha256').update(key, 'utf8').digest('base64url');
      const reply = await gate.run(['SET', keyPrefix + digest, '1', 'NX', 'PX', String(ttlSeconds * 1000)]);
      if (reply === 'OK') return true;
      if (reply === null) return false;
      // Neither answer SET NX gives: something between us and Redis is not Redis. Never a pass.
      throw new RedisUnavailableError('unexpected reply to SET NX', settings.cooldown);
    },
  });
}
