// A bounded LRU of verified tokens: clients reuse one token for its whole life, so most requests hit.
import type { AccessToken } from '../access-token.js';

export interface CachedVerification {
  readonly accessToken: AccessToken;
  /** The key-set generation the signature was checked against. */
  readonly generation: number;
}

/** Least-recently-used map from raw token to its verification (or another entry), holding at most `maxEntries`. */
export class TokenCache<Entry = CachedVerification> {
  readonly #entries = new Map<string, Entry>();
  constructor(readonly maxEntries: number) {}

  get(token: string): Entry | undefined {
    const entry = this.#entries.get(token);
    if (entry) {
      // Re-insert to mark it most recently used (Map keeps insertion order).
      this.#entries.delete(token);
      this.#entries.set(token, entry);
    }
    return entry;
  }

  set(token: string, entry: Entry): void {
    if (this.maxEntries <= 0) return;
    this.#entries.delete(token);
    this.#entries.set(token, entry);
    if (this.#entries.size > this.maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
  }

  /** The entry, without marking it used. */
  peek(token: string): Entry | undefined {
    return this.#entries.get(token);
  }

  delete(token: string): void {
    this.#entries.delete(token);
  }

  get size(): number {
    return this.#entries.size;
  }
}
