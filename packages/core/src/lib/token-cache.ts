// A bounded LRU of verified tokens: clients reuse one token for its whole life, so most requests hit.
import type { AccessToken } from '../access-token.js';
import { OldestKeys } from './oldest-keys.js';

export interface CachedVerification {
  readonly accessToken: AccessToken;
  /** The key-set generation the signature was checked against. */
  readonly generation: number;
}

interface Slot<Entry> {
  entry: Entry;
  /** The insertion count when it was last put at the young end. */
  tick: number;
}

/**
 * Least-recently-used map from a key (a raw token, its digest or its fingerprint) to an entry, holding at
 * most `maxEntries`. Recency is kept approximately, because moving an entry on every read costs a Map
 * delete and insert on the hot path: a read moves an entry to the young end only when at least half the
 * capacity was inserted since it was last put there. So an entry read at least once per `maxEntries / 2`
 * insertions is never evicted, and eviction still takes the entry put at the young end longest ago.
 */
export class TokenCache<Entry = CachedVerification, Key = string> {
  readonly #slots = new Map<Key, Slot<Entry>>();
  readonly #oldest = new OldestKeys<Key>(this.#slots);
  readonly #moveAfter: number;
  #insertions = 0;

  constructor(readonly maxEntries: number) {
    this.#moveAfter = Math.max(1, Math.ceil(maxEntries / 2));
  }

  get(key: Key): Entry | undefined {
    const slot = this.#slots.get(key);
    if (slot === undefined) return undefined;
    if (this.#insertions - slot.tick >= this.#moveAfter) {
      // Map keeps insertion order: re-inserting puts it at the young end.
      this.#slots.delete(key);
      slot.tick = ++this.#insertions;
      this.#slots.set(key, slot);
    }
    return slot.entry;
  }

  set(key: Key, entry: Entry): void {
    if (this.maxEntries <= 0) return;
    this.#slots.delete(key);
    this.#slots.set(key, { entry, tick: ++this.#insertions });
    if (this.#slots.size > this.maxEntries) {
      const oldest = this.#oldest.take();
      if (oldest !== undefined) this.#slots.delete(oldest);
    }
  }

  /** The entry, without marking it used. */
  peek(key: Key): Entry | undefined {
    return this.#slots.get(key)?.entry;
  }

  delete(key: Key): void {
    this.#slots.delete(key);
  }

  get size(): number {
    return this.#slots.size;
  }
}
