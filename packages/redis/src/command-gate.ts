// Sends a store's commands with a timeout and a cap on those in flight; after a failure it answers
// "unavailable" at once for a cooldown, then lets one probe through before any other command.
import { performance } from 'node:perf_hooks';
import { publishRedisEvent, type RedisStoreEvent } from './redis-events.js';
import type { CommandSender } from './redis-client.js';
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

// Commands one store has handed to the client and not seen settle, at most: beyond it Redis is not keeping
// up, and a client's offline queue must not grow with an attacker's request rate. Counted until each
// command settles, not until it times out, so commands stuck in a queue keep their places.
const MAX_IN_FLIGHT = 128;

/**
 * One gate per store. States: open (commands go through); closed until a time after a failure (answered
 * at once); then half-open: one probe goes through, the rest are answered at once until it succeeds.
 * Times are monotonic (`performance.now()`), so a wall clock stepped back cannot stall the store.
 */
export class CommandGate {
  #closedUntil = Number.NEGATIVE_INFINITY;
  #probing = false;
  #downSince: number | undefined;
  #inFlight = 0;
  // Counts failures: a command that started before the latest failure cannot announce a recovery.
  #failures = 0;

  constructor(
    readonly client: CommandSender,
    readonly options: ResolvedStoreOptions,
    readonly store: RedisStoreEvent['store'],
    readonly now: () => number = () => performance.now(),
  ) {}

  /** Sends `args`; rejects with {@link RedisUnavailableError} on a failure, a timeout, or while the gate is not open. */
  async run(args: readonly string[]): Promise<unknown> {
    const now = this.now();
    let probe = false;
    if (this.#downSince !== undefined) {
      if (now < this.#closedUntil) throw new RedisUnavailableError('redis is unavailable (cooling down after a failure)', (this.#closedUntil - now) / 1000);
      if (this.#probing) throw new RedisUnavailableError('redis is unavailable (a probe is under way)', 1);
      this.#probing = probe = true;
    }
    if (this.#inFlight >= MAX_IN_FLIGHT) {
      if (probe) this.#probing = false;
      throw new RedisUnavailableError(`redis is not keeping up (${MAX_IN_FLIGHT} commands in flight)`, 1);
    }
    const failuresBefore = this.#failures;
    let timer: NodeJS.Timeout | undefined;
    try {
      // A client that knows it is disconnected would only queue the command: fail now, as a timeout would later.
      if (!this.client.connected()) throw new Error('the client is not connected');
      // A sender that returns a plain value (not a promise) must not leak its place.
      const sent = Promise.resolve(this.client.send(args));
      this.#inFlight += 1;
      // Settled or not, the command leaves its place only when the client is done with it; the loser of
      // the race below must not become an unhandled rejection either.
      sent.then(
        () => (this.#inFlight -= 1),
        () => (this.#inFlight -= 1),
      );
      const reply = await Promise.race([
        sent,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${this.options.timeout * 1000} ms`)), this.options.timeout * 1000);
        }),
      ]);
      if (this.#downSince !== undefined && (probe || this.#failures === failuresBefore)) this.#recover();
      return reply;
    } catch (error) {
      // Redis answered, with an error (NOPERM for a command the ACL denies, OOM when full): this command
      // failed, but Redis is up, so the gate stays open for the others.
      if (isErrorReply(error)) throw new RedisUnavailableError(`redis refused the command: ${describe(error)}`, 1, { cause: error });
      this.#fail(error);
      throw new RedisUnavailableError('redis is unavailable', Math.max(1, this.options.cooldown), { cause: error });
    } finally {
      clearTimeout(timer);
      if (probe) this.#probing = false;
    }
  }

  /** Changes when the gate fails or recovers, or the client reconnects: the server may have changed too (a failover). */
  get epoch(): string {
    return `${this.#failures}:${this.#downSince === undefined ? 0 : 1}:${this.client.connections()}`;
  }

  #recover(): void {
    publishRedisEvent({ store: this.store, state: 'recovered', downForMs: Math.round(this.now() - this.#downSince!) });
    this.#downSince = undefined;
    this.#closedUntil = Number.NEGATIVE_INFINITY;
  }

  #fail(error: unknown): void {
    const now = this.now();
    this.#failures += 1;
    this.#closedUntil = now + this.options.cooldown * 1000;
    if (this.#downSince !== undefined) return;
    this.#downSince = now;
    publishRedisEvent({ store: this.store, state: 'unavailable', error: describe(error) });
  }
}

/** Whether `error` is an error reply from Redis (ioredis `ReplyError`, node-redis `ErrorReply` and its kinds), not a lost connection. */
export function isErrorReply(error: unknown): boolean {
  for (let proto = error === null || typeof error !== 'object' ? null : Object.getPrototypeOf(error); proto !== null && proto !== Error.prototype; proto = Object.getPrototypeOf(proto)) {
    const name = (proto as { constructor?: { name?: unknown } }).constructor?.name;
    if (name === 'ReplyError' || name === 'ErrorReply') return true;
  }
  return false;
}

/** The client's error message, cut short; never a stack. */
function describe(error: unknown): string {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return message.length > 200 ? `${message.slice(0, 200)}…` : message;
}
