// Sends a store's commands with a timeout, and after a failure answers "unavailable" at once for a cooldown.
import { publishRedisEvent, type RedisStoreEvent } from './redis-events.js';
import type { SendCommand } from './redis-client.js';
import type { ResolvedStoreOptions } from './store-options.js';

/**
 * Redis did not answer in time, or answered with an error: the store cannot decide. tollgate turns it
 * into a 503 with `Retry-After` (never a pass); `retryAfter` says when the store will try again.
 */
export class RedisUnavailableError extends Error {
  /** Seconds until commands are sent again (at least 1). */
  readonly retryAfter: number;
  constructor(message: string, retryAfter: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RedisUnavailableError';
    this.retryAfter = Math.max(1, Math.ceil(retryAfter));
  }
}

/** One gate per store: the timeout, the cooldown after a failure, and the unavailable/recovered events. */
export class CommandGate {
  #downSince: number | undefined;
  #closedUntil = 0;

  constructor(
    readonly send: SendCommand,
    readonly options: ResolvedStoreOptions,
    readonly store: RedisStoreEvent['store'],
    readonly now: () => number = Date.now,
  ) {}

  /** Sends `args`; rejects with {@link RedisUnavailableError} on a failure, a timeout, or during the cooldown. */
  async run(args: readonly string[]): Promise<unknown> {
    const now = this.now();
    if (now < this.#closedUntil) throw new RedisUnavailableError('redis is unavailable (cooling down after a failure)', (this.#closedUntil - now) / 1000);
    let timer: NodeJS.Timeout | undefined;
    try {
      const sent = this.send(args);
      // The loser of the race must not become an unhandled rejection.
      sent.catch(() => {});
      const reply = await Promise.race([
        sent,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${this.options.timeout * 1000} ms`)), this.options.timeout * 1000);
        }),
      ]);
      if (this.#downSince !== undefined) {
        publishRedisEvent({ store: this.store, state: 'recovered', downForMs: this.now() - this.#downSince });
        this.#downSince = undefined;
      }
      return reply;
    } catch (error) {
      this.#fail(error);
      throw new RedisUnavailableError('redis is unavailable', Math.max(1, this.options.cooldown), { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }

  #fail(error: unknown): void {
    const now = this.now();
    this.#closedUntil = now + this.options.cooldown * 1000;
    if (this.#downSince !== undefined) return;
    this.#downSince = now;
    publishRedisEvent({ store: this.store, state: 'unavailable', error: describe(error) });
  }
}

/** The client's error message, cut short; never a stack. */
function describe(error: unknown): string {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return message.length > 200 ? `${message.slice(0, 200)}…` : message;
}
