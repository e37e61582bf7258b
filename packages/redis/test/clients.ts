// The Redis clients the stores are tested with: ioredis 5 and 6, node-redis 5 and 6, each on its own connection.
import { Redis as IoRedis6 } from 'ioredis';
import { Redis as IoRedis5 } from 'ioredis5';
import { createClient as createClient6 } from 'redis';
import { createClient as createClient5 } from 'redis5';
import type { RedisClient } from '../src/index.js';

/** A connected client and how to close it. */
export interface TestClient {
  readonly client: RedisClient;
  /** Sends a raw command (to look at what the store wrote). */
  command(...args: string[]): Promise<unknown>;
  close(): Promise<void>;
}

/** One kind of client: a name, and how to connect one to `url`. */
export interface ClientKind {
  readonly name: string;
  connect(url: string): Promise<TestClient>;
}

// Fails fast instead of waiting through reconnection: the stores bound every command themselves anyway.
type IoRedisLike = IoRedis6 | IoRedis5;
const ioredis = (name: string, make: (url: string, options: { maxRetriesPerRequest: number; retryStrategy: () => number; lazyConnect: true }) => IoRedisLike): ClientKind => ({
  name,
  async connect(url) {
    const client = make(url, { maxRetriesPerRequest: 1, retryStrategy: () => 50, lazyConnect: true });
    // ioredis prints connection errors that have no listener; the outage tests cause them on purpose.
    client.on('error', () => {});
    await client.connect();
    return { client, command: (...args) => client.call(args[0]!, ...args.slice(1)), close: async () => void client.disconnect() };
  },
});

interface NodeRedisLike {
  on(event: 'error', listener: () => void): unknown;
  connect(): Promise<unknown>;
  sendCommand(args: string[]): Promise<unknown>;
  destroy(): void;
}
const nodeRedis = (name: string, make: (url: string) => NodeRedisLike): ClientKind => ({
  name,
  async connect(url) {
    const client = make(url);
    client.on('error', () => {});
    await client.connect();
    return { client, command: (...args) => client.sendCommand(args), close: async () => client.destroy() };
  },
});

export const CLIENT_KINDS: readonly ClientKind[] = [
  ioredis('ioredis 6', (url, options) => new IoRedis6(url, options)),
  ioredis('ioredis 5', (url, options) => new IoRedis5(url, options)),
  nodeRedis('node-redis 6', (url) => createClient6({ url, socket: { reconnectStrategy: () => 50 } })),
  nodeRedis('node-redis 5', (url) => createClient5({ url, socket: { reconnectStrategy: () => 50 } })),
];
