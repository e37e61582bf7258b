// Redis down, slow or gone and back, on a redis-server of this test's own: every claim fails closed
// (RedisUnavailableError with Retry-After, never true), fast during the cooldown, and the store recovers
// by itself, saying both on REDIS_CHANNEL.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisIntrospectionCache, createRedisReplayStore, REDIS_CHANNEL, RedisUnavailableError, type RedisStoreEvent } from '../src/index.js';
import { redisAvailable, startPrivateRedis, type PrivateRedis } from '../../../test/support/redis-server.js';
import { CLIENT_KINDS, type TestClient } from './clients.js';

let redis: PrivateRedis;
const opened: TestClient[] = [];
const events: RedisStoreEvent[] = [];
const listen = (event: unknown) => events.push(event as RedisStoreEvent);

beforeAll(async () => {
  if (!redisAvailable) return;
  redis = await startPrivateRedis();
  subscribe(REDIS_CHANNEL, listen);
});

afterAll(async () => {
  unsubscribe(REDIS_CHANNEL, listen);
  await Promise.all(opened.map((client) => client.close()));
  await redis?.stop();
});

async function failure(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

async function until(check: () => Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe.skipIf(!redisAvailable).each([CLIENT_KINDS[0]!, CLIENT_KINDS[2]!])('Redis stops and starts again, through $name', (kind) => {
  it('claims fail closed while Redis is down, fast during the cooldown, and work again when it is back', async () => {
    const client = await kind.connect(redis.url);
    opened.push(client);
    const store = createRedisReplayStore({ client: client.client, prefix: `outage:${kind.name}:`, timeout: '300ms', cooldown: '1s', evictionCheck: false });
    expect(await store.claim('before', 60)).toBe(true);
    events.length = 0;

    await redis.stop();
    const started = Date.now();
    const down = await failure(() => store.claim('during', 60));
    expect(down).toBeInstanceOf(RedisUnavailableError);
    expect((down as RedisUnavailableError).retryAfter).toBe(1);
    expect(Date.now() - started).toBeLessThan(1000);
    // Within the cooldown nothing is sent: the answer is immediate.
    const fast = Date.now();
    expect(await failure(() => store.claim('during-2', 60))).toBeInstanceOf(RedisUnavailableError);
    expect(Date.now() - fast).toBeLessThan(50);
    expect(events).toEqual([{ store: 'replay', state: 'unavailable', error: expect.any(String) }]);
    expect(events[0]!.error).not.toContain('during');

    await redis.start();
    // The client reconnects by itself; the store needs nothing from the user.
    await until(async () => store.claim(`after-${Date.now()}`, 60).then(() => true, () => false), 8000);
    expect(events.map((event) => event.state)).toEqual(['unavailable', 'recovered']);
    expect(events[1]!.downForMs).toBeGreaterThan(0);
    // An empty Redis after a restart is a real loss of claims: the store cannot know; say so in the docs.
    expect(await store.claim('before', 60)).toBe(true);
  }, 20_000);
});

describe.skipIf(!redisAvailable)('Redis answers too slowly', () => {
  it('a paused server makes claims and reads time out: a claim rejects, an introspection read rejects (tollgate reads that as a miss)', async () => {
    const admin = await CLIENT_KINDS[0]!.connect(redis.url);
    const user = await CLIENT_KINDS[2]!.connect(redis.url);
    opened.push(admin, user);
    const store = createRedisReplayStore({ client: user.client, prefix: 'slow:', timeout: '200ms', cooldown: 0 });
    const cache = createRedisIntrospectionCache({ client: user.client, prefix: 'slow:', timeout: '200ms', cooldown: 0 });
    expect(await store.claim('warm', 60)).toBe(true);
    await admin.command('CLIENT', 'PAUSE', '1500', 'ALL');
    const started = Date.now();
    expect(await failure(() => store.claim('slow', 60))).toBeInstanceOf(RedisUnavailableError);
    expect(await failure(() => cache.get('digest'))).toBeInstanceOf(RedisUnavailableError);
    expect(Date.now() - started).toBeLessThan(1000);
    await admin.command('CLIENT', 'UNPAUSE');
  });
});

describe.skipIf(!redisAvailable)('a write that reaches Redis late', () => {
  it('expires when tollgate said, counted from the answer, however late it lands (PXAT)', async () => {
    const admin = await CLIENT_KINDS[0]!.connect(redis.url);
    const user = await CLIENT_KINDS[0]!.connect(redis.url);
    opened.push(admin, user);
    const cache = createRedisIntrospectionCache({ client: user.client, prefix: 'late:', timeout: '200ms', cooldown: 0 });
    await admin.command('CLIENT', 'PAUSE', '2500', 'WRITE');
    // The write waits in Redis for the pause; the store gives up on it after its timeout.
    await failure(() => cache.set('digest', { active: true, claims: { active: true, exp: 2_000_000_000 } }, 2));
    await new Promise((resolve) => setTimeout(resolve, 2700));
    // It landed about 2.5 s after the answer, with 2 s of life: already past, so gone.
    expect(await admin.command('EXISTS', 'late:introspection:digest')).toBe(0);
    expect(await cache.get('digest')).toBeUndefined();
  });
});

describe.skipIf(!redisAvailable).each([CLIENT_KINDS[0]!, CLIENT_KINDS[2]!])('the gate, through $name', (kind) => {
  it('fails at once, without queueing, while the client says it lost its connection; recovers by itself', async () => {
    const own = await startPrivateRedis();
    const client = await kind.connect(own.url);
    opened.push(client);
    const store = createRedisReplayStore({ client: client.client, prefix: 'gate:', timeout: '2s', cooldown: '300ms' });
    expect(await store.claim('a', 60)).toBe(true);
    await own.stop();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const started = Date.now();
    expect(await failure(() => store.claim('b', 60))).toBeInstanceOf(RedisUnavailableError);
    // The client knows its socket closed: no 2 s timeout was waited for.
    expect(Date.now() - started).toBeLessThan(500);
    await own.start();
    await until(async () => store.claim(`c-${Date.now()}`, 60).then(() => true, () => false), 8000);
    await own.stop();
  }, 20_000);
});
