// Events of the Redis stores on node:diagnostics_channel: Redis became unavailable, or came back.
import { channel } from 'node:diagnostics_channel';

/**
 * Name of the channel that receives a {@link RedisStoreEvent} each time a store finds Redis
 * unavailable after it was working, and each time it works again after it was unavailable.
 * @example
 * import { subscribe } from 'node:diagnostics_channel';
 * subscribe(REDIS_CHANNEL, (event) => logger.warn(event as RedisStoreEvent));
 */
export const REDIS_CHANNEL = 'tollgate:redis';

/** A store's view of Redis changed. Never a key, a token or a stored value. */
export interface RedisStoreEvent {
  /** Which store: DPoP replay protection or introspection results. */
  store: 'replay' | 'introspection';
  /** `unavailable`: a command failed or timed out; `recovered`: a command worked again. */
  state: 'unavailable' | 'recovered';
  /** For `unavailable`: what failed (the client's error message, or the timeout). */
  error?: string;
  /** For `recovered`: how long Redis was unavailable, in milliseconds. */
  downForMs?: number;
}

const redisChannel = channel(REDIS_CHANNEL);

/** Publishes `event` when anyone listens. */
export function publishRedisEvent(event: RedisStoreEvent): void {
  if (redisChannel.hasSubscribers) redisChannel.publish(event);
}
