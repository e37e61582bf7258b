// The two Node Redis clients behind one call: send a command as an array of strings, get the reply.
import { TollgateConfigError } from '@tollgate/core';

/**
 * A client of `ioredis` (v5, v6): `new Redis(...)` or `new Redis.Cluster(...)`, used as it is.
 * @example const client: IoRedisClient = new Redis(process.env.REDIS_URL!);
 */
export interface IoRedisClient {
  /** Sends one command (`call('SET', key, value, ...)`) and resolves with its reply. */
  call(command: string, ...args: string[]): Promise<unknown>;
}

/**
 * A client of `redis` (node-redis v5, v6): `createClient(...)` with an `'error'` listener, after
 * `await client.connect()`; or any object that sends a command given as an array of strings.
 * @example const client: NodeRedisClient = createClient({ url }).on('error', log);
 */
export interface NodeRedisClient {
  /** Sends one command (`sendCommand(['SET', key, value, ...])`) and resolves with its reply. */
  sendCommand(args: string[]): Promise<unknown>;
}

/**
 * A Redis client from either main Node library, connected and configured by you; tollgate never
 * connects, closes or configures it.
 * @example
 * import { Redis } from 'ioredis';
 * const client: RedisClient = new Redis(process.env.REDIS_URL!);
 */
export type RedisClient = IoRedisClient | NodeRedisClient;

/** Sends one command and resolves with the reply. */
export type SendCommand = (args: readonly string[]) => Promise<unknown>;

/** How to talk to one client: send a command, and ask whether it is connected right now. */
export interface CommandSender {
  readonly send: SendCommand;
  /**
   * `false` while the client says its connection was lost (ioredis `status`, node-redis `isReady`): a
   * command would only wait in its offline queue, so the store answers "unavailable" at once instead.
   */
  readonly connected: () => boolean;
}

/** ioredis states in which a command would only wait in the offline queue for a connection that was lost. */
const LOST = new Set(['reconnecting', 'close', 'end']);

/** How to send commands with `client`; a startup error when it is neither kind of client. */
export function commandSenderOf(client: unknown, option: string): CommandSender {
  if (typeof client !== 'object' || client === null) {
    throw new TollgateConfigError(`${option}: expected a Redis client (ioredis, or node-redis after connect()), got ${client === null ? 'null' : typeof client}`);
  }
  const candidate = client as { call?: unknown; sendCommand?: unknown; masters?: unknown };
  if (typeof candidate.call === 'function') {
    const call = candidate.call as (command: string, ...args: string[]) => Promise<unknown>;
    const status = client as { status?: unknown };
    return {
      send: (args) => call.call(client, args[0]!, ...args.slice(1)),
      // Lost and not back yet: 'reconnecting', 'close', 'end'. A client still making its first connection
      // ('wait', 'connecting', 'connect') is given the command: it is sent once connected, within the timeout.
      connected: () => typeof status.status !== 'string' || !LOST.has(status.status),
    };
  }
  // A node-redis cluster routes by a first key argument that a plain sendCommand(args) call does not give.
  if ('masters' in candidate) {
    throw new TollgateConfigError(
      `${option}: a node-redis cluster client needs the key passed apart; give { sendCommand: (args) => cluster.sendCommand(args[1], false, args) }`,
    );
  }
  if (typeof candidate.sendCommand === 'function') {
    // node-redis emits 'error' when the connection drops; Node turns an unheard 'error' into a crash of
    // the whole process, which would make a Redis outage take the API down instead of giving 503s.
    const emitter = client as { listenerCount?: (event: string) => number };
    if (typeof emitter.listenerCount === 'function' && emitter.listenerCount('error') === 0) {
      throw new TollgateConfigError(
        `${option}: the client has no 'error' listener, so a dropped Redis connection would stop the process; add client.on('error', (error) => log(error)) before creating the store`,
      );
    }
    const sendCommand = candidate.sendCommand as (args: string[]) => Promise<unknown>;
    const state = client as { isReady?: unknown };
    return {
      send: (args) => sendCommand.call(client, [...args]),
      connected: () => typeof state.isReady !== 'boolean' || state.isReady,
    };
  }
  throw new TollgateConfigError(`${option}: expected a Redis client with call() (ioredis) or sendCommand() (node-redis)`);
}
