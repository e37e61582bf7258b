// The Redis stores against a real Redis, through each supported client: atomic claims, TTLs, hashed and
// prefixed keys, introspection entries round-tripped, and anything not written by tollgate read as a miss.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisIntrospectionCache, createRedisReplayStore, RedisUnavailableError } from '../src/index.js';
import { redisAvailable, sharedRedisUrl, startPrivateRedis } from '../../../test/support/redis-server.js';
import { CLIENT_KINDS, type TestClient } from './clients.js';

let url: string;
let closeRedis: () => Promise<void>;
const opened: TestClient[] = [];

beforeAll(async () => {
  if (!redisAvailable) return;
  ({ url, close: closeRedis } = await sharedRedisUrl());
});

afterAll(async () => {
  await Promise.all(opened.map((client) => client.close()));
  await closeRedis?.();
});

async function connect(kind = CLIENT_KINDS[0]!, to = url): Promise<TestClient> {
  const client = await kind.connect(to);
  opened.push(client);
  return client;
}

/** A prefix of this run's own, so runs sharing CI's Redis never see each other's keys. */
const runPrefix = (label: string) => `tollgate-test:${label}:${process.pid}:${Date.now()}:`;
const digest = (value: string) => createHash('sha256').update(value).digest('base64url');

describe.skipIf(!redisAvailable).each(CLIENT_KINDS)('through $name', (kind) => {
  it('a first claim wins, every later claim of the key within its TTL loses, other keys are free', async () => {
    const store = createRedisReplayStore({ client: (await connect(kind)).client, prefix: runPrefix('claims') });
    expect(await store.claim('jti-1', 60)).toBe(true);
    expect(await store.claim('jti-1', 60)).toBe(false);
    expect(await store.claim('jti-2', 60)).toBe(true);
  });

  it('keys are the SHA-256 of the claimed value under the prefix, with the TTL in milliseconds', async () => {
    const raw = await connect(kind);
    const prefix = runPrefix('keys');
    const store = createRedisReplayStore({ client: raw.client, prefix });
    await store.claim('proof-jti-secretish', 30);
    const key = `${prefix}replay:${digest('proof-jti-secretish')}`;
    expect(await raw.command('EXISTS', key)).toBe(1);
    const ttl = Number(await raw.command('PTTL', key));
    expect(ttl).toBeGreaterThan(29_000);
    expect(ttl).toBeLessThanOrEqual(30_000);
    expect(await raw.command('KEYS', `${prefix}*proof-jti*`)).toEqual([]);
  });

  it('a key is free again once its TTL has passed', async () => {
    const store = createRedisReplayStore({ client: (await connect(kind)).client, prefix: runPrefix('ttl') });
    expect(await store.claim('short', 1)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(await store.claim('short', 1)).toBe(true);
  });

  it('an introspection entry round-trips with its TTL; a value tollgate did not write is a miss', async () => {
    const raw = await connect(kind);
    const prefix = runPrefix('introspection');
    const cache = createRedisIntrospectionCache({ client: raw.client, prefix });
    const entry = { active: true as const, claims: { active: true, iss: 'https://issuer.test', scope: 'a b', exp: 2_000_000_000 } };
    await cache.set('digest-a', entry, 45);
    expect(await cache.get('digest-a')).toEqual(entry);
    expect(Number(await raw.command('PTTL', `${prefix}introspection:digest-a`))).toBeGreaterThan(44_000);
    await cache.set('digest-b', { active: false }, 5);
    expect(await cache.get('digest-b')).toEqual({ active: false });
    expect(await cache.get('digest-absent')).toBeUndefined();
    await raw.command('SET', `${prefix}introspection:digest-c`, 'not json {');
    expect(await cache.get('digest-c')).toBeUndefined();
  });
});

describe.skipIf(!redisAvailable)('claims across clients and instances', () => {
  it('200 concurrent claims of one proof from four stores on four different clients: exactly one wins', async () => {
    const prefix = runPrefix('race');
    const stores = await Promise.all(CLIENT_KINDS.map(async (kind) => createRedisReplayStore({ client: (await connect(kind)).client, prefix })));
    const outcomes = await Promise.all(Array.from({ length: 200 }, (_, i) => stores[i % stores.length]!.claim('the-proof', 60)));
    expect(outcomes.filter(Boolean)).toHaveLength(1);
  });

  it('stores under different prefixes never see each other', async () => {
    const client = (await connect()).client;
    const a = createRedisReplayStore({ client, prefix: runPrefix('api-a') });
    const b = createRedisReplayStore({ client, prefix: runPrefix('api-b') });
    expect(await a.claim('jti', 60)).toBe(true);
    expect(await b.claim('jti', 60)).toBe(true);
  });

  it('bad TTLs are refused before anything is sent', async () => {
    const store = createRedisReplayStore({ client: (await connect()).client, prefix: runPrefix('bad') });
    await expect(store.claim('k', 0)).rejects.toThrow(RangeError);
    await expect(store.claim('k', 2.5)).rejects.toThrow(RangeError);
    const cache = createRedisIntrospectionCache({ client: (await connect()).client, prefix: runPrefix('bad') });
    await expect(cache.set('k', { active: false }, -1)).rejects.toThrow(RangeError);
  });
});

describe.skipIf(!redisAvailable)('entries planted or left behind in Redis', () => {
  it('a value without an expiry stamp, or past it, is a miss', async () => {
    const raw = await connect();
    const prefix = runPrefix('stamp');
    const cache = createRedisIntrospectionCache({ client: raw.client, prefix });
    const entry = { active: true, claims: { active: true, exp: 2_000_000_000 } };
    await raw.command('SET', `${prefix}introspection:no-stamp`, JSON.stringify(entry));
    await raw.command('SET', `${prefix}introspection:past`, JSON.stringify({ until: Date.now() - 1, entry }));
    expect(await cache.get('no-stamp')).toBeUndefined();
    expect(await cache.get('past')).toBeUndefined();
  });

  it('with integrityKey, an entry without its MAC, moved to another key, or written under another key, is a miss', async () => {
    const raw = await connect();
    const prefix = runPrefix('mac');
    const integrityKey = 'k'.repeat(32);
    const cache = createRedisIntrospectionCache({ client: raw.client, prefix, integrityKey });
    const entry = { active: true as const, claims: { active: true, exp: 2_000_000_000 } };
    await cache.set('real', entry, 60);
    expect(await cache.get('real')).toEqual(entry);
    const stored = String(await raw.command('GET', `${prefix}introspection:real`));
    await raw.command('SET', `${prefix}introspection:moved`, stored);
    expect(await cache.get('moved')).toBeUndefined();
    await raw.command('SET', `${prefix}introspection:planted`, JSON.stringify({ until: Date.now() + 60_000, entry }));
    expect(await cache.get('planted')).toBeUndefined();
    const other = createRedisIntrospectionCache({ client: raw.client, prefix, integrityKey: 'o'.repeat(32) });
    expect(await other.get('real')).toBeUndefined();
  });
});

describe.skipIf(!redisAvailable)("Redis's eviction policy", () => {
  it('a replay store refuses to claim on a Redis that may evict keys early, unless told to accept that', async () => {
    const own = await startPrivateRedis(['--maxmemory', '50mb', '--maxmemory-policy', 'volatile-lru']);
    const client = await connect(CLIENT_KINDS[0]!, own.url);
    try {
      const refused = await createRedisReplayStore({ client: client.client, prefix: 'evict:' })
        .claim('jti', 60)
        .then(() => undefined, (error: unknown) => error);
      expect(refused).toBeInstanceOf(RedisUnavailableError);
      expect((refused as Error).message).toContain('maxmemory-policy volatile-lru');
      expect(await createRedisReplayStore({ client: client.client, prefix: 'evict:', evictionCheck: false }).claim('jti', 60)).toBe(true);
      await client.command('CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
      expect(await createRedisReplayStore({ client: client.client, prefix: 'evict2:' }).claim('jti', 60)).toBe(true);
    } finally {
      await own.stop();
    }
  });
});
