// Remembers the jti of each accepted client assertion until it expires, so none is accepted twice.

/** A bounded set of (client, jti) pairs; full means refusal, never forgetting one early. */
export class ReplayGuard {
  readonly #seen = new Map<string, number>();
  readonly #max: number;

  constructor(max = 10_000) {
    this.#max = max;
  }

  /**
   * Records the assertion; `false` when it was seen before or the set is full.
   * @param until epoch seconds after which the assertion is refused anyway (exp + leeway)
   * @param now epoch seconds
   */
  claim(clientId: string, jti: string, until: number, now: number): boolean {
    for (const [key, expiry] of this.#seen) if (expiry < now) this.#seen.delete(key);
    const key = `${clientId}\u0000${jti}`;
    // Full: evicting a live entry would let its assertion be replayed, so refuse instead.
    if (this.#seen.has(key) || this.#seen.size >= this.#max) return false;
    this.#seen.set(key, until);
    return true;
  }
}
