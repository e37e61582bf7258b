// The circuit breaker of the token endpoint: after N consecutive failures no request for a cooldown, then one trial.

/** What the breaker reports when it changes state. */
export interface BreakerListener {
  opened(failures: number, cooldownMs: number): void;
  closed(openForMs: number): void;
}

/**
 * Closed: requests go. After `failures` consecutive failures it opens: no request for `cooldownMs`.
 * Then half-open: exactly one trial request goes; its success closes the breaker, its failure opens
 * it again. One breaker per client, so a failing server sees at most one request per cooldown from it.
 */
export class CircuitBreaker {
  #consecutive = 0;
  #openedAt: number | undefined;
  #trial = false;

  constructor(
    private readonly failures: number,
    private readonly cooldownMs: number,
    private readonly now: () => number,
    private readonly listener: BreakerListener,
  ) {}

  /** 0 when a request may go now (in half-open, this caller holds the one trial), else milliseconds to wait. */
  acquire(): number {
    if (this.#openedAt === undefined) return 0;
    const left = this.#openedAt + this.cooldownMs - this.now();
    if (left > 0) return left;
    // Half-open: the trial is in flight; everyone else waits for its outcome.
    if (this.#trial) return Math.min(this.cooldownMs, 1000);
    this.#trial = true;
    return 0;
  }

  /** The server answered (a token, or an RFC 6749 refusal: it is up). */
  success(): void {
    this.#consecutive = 0;
    this.#trial = false;
    if (this.#openedAt !== undefined) {
      const openFor = this.now() - this.#openedAt;
      this.#openedAt = undefined;
      this.listener.closed(openFor);
    }
  }

  /** The request failed: no answer, a 5xx, a 429, or an unusable answer. */
  failure(): void {
    this.#consecutive += 1;
    const wasTrial = this.#trial;
    this.#trial = false;
    if (wasTrial || (this.#openedAt === undefined && this.#consecutive >= this.failures)) {
      this.#openedAt = this.now();
      this.listener.opened(this.#consecutive, this.cooldownMs);
    }
  }

  /** Whether requests are being held back now. */
  get open(): boolean {
    return this.#openedAt !== undefined;
  }
}
