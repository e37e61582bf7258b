// @tollgate/redis: tollgate's shared stores on Redis (DPoP replay protection, introspection results).
export { createRedisReplayStore } from './replay-store.js';
export type { RedisReplayStore, RedisReplayStoreOptions } from './replay-store.js';
export { createRedisIntrospectionCache } from './introspection-cache.js';
export type { RedisIntrospectionCache, RedisIntrospectionCacheOptions } from './introspection-cache.js';
export { RedisUnavailableError } from './command-gate.js';
export type { IoRedisClient, NodeRedisClient, RedisClient } from './redis-client.js';
export type { RedisStoreOptions } from './store-options.js';
export { REDIS_CHANNEL } from './redis-events.js';
export type { RedisStoreEvent } from './redis-events.js';
