// The real clients fit RedisClient as the user has them, without a cast.
import { Redis, Cluster } from 'ioredis';
import { createClient } from 'redis';
import { createClient as createClient5 } from 'redis5';
import { describe, expectTypeOf, it } from 'vitest';
import type { RedisClient } from '../src/index.js';

describe('RedisClient', () => {
  it('accepts ioredis clients and clusters, and node-redis 5 and 6 clients', () => {
    expectTypeOf<Redis>().toExtend<RedisClient>();
    expectTypeOf<Cluster>().toExtend<RedisClient>();
    expectTypeOf<ReturnType<typeof createClient>>().toExtend<RedisClient>();
    expectTypeOf<ReturnType<typeof createClient5>>().toExtend<RedisClient>();
    expectTypeOf<{ get(key: string): Promise<string> }>().not.toExtend<RedisClient>();
  });
});
