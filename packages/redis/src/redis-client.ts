// The two Node Redis clients behind one call: send a command as an array of strings, get the reply.
import { TollgateConfigError } from '@tollgate/core';

/**
 * A Redis client from either main Node library, used as it is (connected and configured by you):
 * - `ioredis` (v5, v6): `new Redis(...)` or `new Redis.Cluster(...)`: commands go through `call`;
 * - `redis` (node-redis v5, v6): `createClient(...)` after `await client.connect()`: through `sendCommand`;
 * - anything else with `sendCommand(args: string[])`, e.g. a wrapper around a node-redis cluster.
 * @example
 * import { Redis } from 'ioredis';
 * const client: RedisClient = new Redis(process.env.REDIS_URL!);
 */
export type RedisClient =
  | { call(command: string, ...args: string[]): Promise<unknown> }
  | { sendCommand(args: string[]): Promise<unknown> };

/** Sends one command and resolves with the reply. */
export type SendCommand = (args: readonly string[]) => Promise<unknown>;

/** How to send commands with `client`; a startup error when it is neither kind of client. */
export function commandSenderOf(client: unknown, option: string): SendCommand {
  if (typeof client !== 'object' || client === null) {
    throw new TollgateConfigError(`${option}: expected a Redis client (ioredis, or node-redis after connect()), got ${client === null ? 'null' : typeof client}`);
  }
  const candidate = client as { call?: unknown; sendCommand?: unknown; masters?: unknown };
  if (typeof candidate.call === 'function') {
    const call = candidate.call as (command: string, ...args: string[]) => Promise<unknown>;
    return (args) => call.call(client, args[0]!, ...args.slice(1));
  }
  // A node-redis cluster routes by a first key argument that a plain sendCommand(args) call does not give.
  if ('masters' in candidate) {
    throw new TollgateConfigError(
      `${option}: a node-redis cluster client needs the key passed apart; give { sendCommand: (args) => cluster.sendCommand(args[1], false, args) }`,
    );
  }
  if (typeof candidate.sendCommand === 'function') {
    const sendCommand = candidate.sendCommand as (args: string[]) => Promise<unknown>;
    return (args) => sendCommand.call(client, [...args]);
  }
  throw new TollgateConfigError(`${option}: expected a Redis client with call() (ioredis) or sendCommand() (node-redis)`);
}
