// Startup errors: anything but a usable client or valid bounds is a TollgateConfigError naming the option.
import { TollgateConfigError } from '@tollgate/core';
import { describe, expect, it } from 'vitest';
import { createClient } from 'redis';
import { createRedisIntrospectionCache, createRedisReplayStore, type RedisStoreOptions } from '../src/index.js';

const ioredisLike = { call: async () => 'OK' };
const nodeRedisLike = { sendCommand: async () => 'OK' };

describe.each([
  ['createRedisReplayStore', createRedisReplayStore],
  ['createRedisIntrospectionCache', createRedisIntrospectionCache],
] as const)('%s', (name, create) => {
  const refused = (options: unknown) => {
    try {
      create(options as RedisStoreOptions);
    } catch (error) {
      expect(error).toBeInstanceOf(TollgateConfigError);
      return (error as Error).message;
    }
    throw new Error('expected a startup error');
  };

  it.each([
    ['no options', undefined, 'options'],
    ['no client', {}, 'client'],
    ['a URL instead of a client', { client: 'redis://127.0.0.1' }, 'expected a Redis client'],
    ['an object that is no client', { client: { get: () => null } }, 'call() (ioredis) or sendCommand() (node-redis)'],
    ['a node-redis cluster', { client: { sendCommand: () => null, masters: [] } }, 'cluster.sendCommand(args[1], false, args)'],
    ['a prefix that is not a string', { client: ioredisLike, prefix: 7 }, 'prefix'],
    ['a prefix over 100 characters', { client: ioredisLike, prefix: 'p'.repeat(101) }, 'prefix'],
    ['a zero timeout', { client: ioredisLike, timeout: 0 }, 'timeout'],
    ['a timeout over 10 s', { client: ioredisLike, timeout: '11s' }, 'timeout'],
    ['a timeout that is not a duration', { client: ioredisLike, timeout: 'soon' }, 'timeout'],
    ['a cooldown over 60 s', { client: ioredisLike, cooldown: '2m' }, 'cooldown'],
    ['an unknown option (a typo)', { client: ioredisLike, timeOut: '1s' }, 'timeOut'],
  ])('%s is a startup error', (_, options, mentions) => {
    const message = refused(options);
    expect(message).toContain(name);
    expect(message).toContain(mentions);
  });

  it('takes either kind of client', () => {
    expect(() => create({ client: ioredisLike })).not.toThrow();
    expect(() => create({ client: nodeRedisLike })).not.toThrow();
  });
});

describe('createRedisIntrospectionCache: integrityKey', () => {
  it('must be at least 32 characters', () => {
    expect(() => createRedisIntrospectionCache({ client: ioredisLike, integrityKey: 'short' })).toThrow(/integrityKey: at least 32 characters/);
    expect(() => createRedisIntrospectionCache({ client: ioredisLike, integrityKey: 'k'.repeat(32) })).not.toThrow();
    // Not an option of the replay store.
    expect(() => createRedisReplayStore({ client: ioredisLike, integrityKey: 'k'.repeat(32) } as RedisStoreOptions)).toThrow(TollgateConfigError);
  });
});

describe('a node-redis client without an error listener', () => {
  it('is refused: an unheard error would stop the process when Redis drops', () => {
    const client = createClient({ url: 'redis://127.0.0.1:1' });
    expect(() => createRedisReplayStore({ client })).toThrow(/no 'error' listener/);
    client.on('error', () => {});
    expect(() => createRedisReplayStore({ client })).not.toThrow();
  });
});
