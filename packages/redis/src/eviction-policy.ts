// Whether Redis may evict keys before their TTL: a replay store on such a Redis could forget a claimed proof.
import { publishRedisEvent } from './redis-events.js';
import { CommandGate, isErrorReply, RedisUnavailableError } from './command-gate.js';

// How often the policy is read again: an operator may change it at run time (CONFIG SET).
const RECHECK_MS = 60_000;

/** The eviction settings INFO memory reports, or a reason they could not be read. */
function readPolicy(info: unknown): { maxmemory: number; policy: string } | undefined {
  if (typeof info !== 'string') return undefined;
  const maxmemory = /^maxmemory:(\d+)\r?$/m.exec(info)?.[1];
  const policy = /^maxmemory_policy:([\w-]+)\r?$/m.exec(info)?.[1];
  return maxmemory === undefined || policy === undefined ? undefined : { maxmemory: Number(maxmemory), policy };
}

/**
 * Reads `INFO memory` at the first claim and once a minute after, and refuses claims while Redis may
 * evict keys early: a `maxmemory` limit with any policy but `noeviction` (the managed services' default
 * is `volatile-lru`, which evicts exactly the keys a replay store writes, all of them with a TTL).
 */
export class EvictionPolicyCheck {
  #checkedAt = Number.NEGATIVE_INFINITY;
  // The gate's epoch at the last check: after an outage (a failover, a restart) the server may be another one.
  #checkedEpoch = '';
  #problem: string | undefined;
  #pending: Promise<void> | undefined;

  constructor(
    readonly gate: CommandGate,
    readonly now: () => number,
  ) {}

  /** Resolves when claims may be made; rejects with {@link RedisUnavailableError} while they may not. */
  async ensureSafe(): Promise<void> {
    if (this.now() - this.#checkedAt >= RECHECK_MS || this.gate.epoch !== this.#checkedEpoch) {
      this.#pending ??= this.#check().finally(() => {
        this.#pending = undefined;
      });
      await this.#pending;
    }
    if (this.#problem !== undefined) throw new RedisUnavailableError(this.#problem, RECHECK_MS / 1000);
  }

  async #check(): Promise<void> {
    let info: unknown;
    let refusedBy: string | undefined;
    try {
      info = await this.gate.run(['INFO', 'memory']);
    } catch (error) {
      // Redis answered INFO with an error (an ACL without @dangerous, a renamed command): a verdict, not an outage.
      const cause = (error as { cause?: unknown }).cause;
      if (!(error instanceof RedisUnavailableError) || !isErrorReply(cause)) throw error;
      refusedBy = cause instanceof Error ? cause.message.slice(0, 120) : 'an error';
    }
    const settings = readPolicy(info);
    this.#checkedAt = this.now();
    this.#checkedEpoch = this.gate.epoch;
    const problem =
      refusedBy !== undefined
        ? `Redis refused INFO (${refusedBy}), so whether it may evict claimed proofs cannot be told: allow INFO for this client, or set evictionCheck: false`
        : settings === undefined
        ? 'INFO memory did not say maxmemory and maxmemory_policy; cannot tell whether Redis may evict claimed proofs (evictionCheck: false skips this)'
        : settings.maxmemory > 0 && settings.policy !== 'noeviction'
          ? `Redis may evict claimed proofs before their TTL (maxmemory-policy ${settings.policy}): set maxmemory-policy noeviction, or evictionCheck: false to accept the risk`
          : undefined;
    if (problem !== this.#problem) {
      publishRedisEvent(problem ? { store: 'replay', state: 'unavailable', error: problem } : { store: 'replay', state: 'recovered', downForMs: 0 });
    }
    this.#problem = problem;
  }
}
