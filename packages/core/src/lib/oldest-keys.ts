// The oldest key of a Map in O(1) amortized, however many entries were deleted before it.

/**
 * Walks a Map's keys in insertion order with one iterator kept across calls. `map.keys().next()` on a
 * fresh iterator walks over every entry deleted at the front since the Map last compacted itself, so
 * taking the oldest key that way costs O(deleted) per call in a cache that keeps evicting; a kept
 * iterator steps over each of those holes once. Map iterators follow later insertions and deletions
 * (ECMA-262 section 24.1.5.1), so what it yields is the oldest key still present when asked.
 * Only for maps where every key it yields is deleted at once (eviction): it never yields a key twice.
 */
export class OldestKeys<K> {
  #cursor: Iterator<K> | undefined;

  constructor(readonly map: Map<K, unknown>) {}

  /** The oldest key present, or `undefined` when the map is empty. The caller deletes it. */
  take(): K | undefined {
    if (this.map.size === 0) return undefined;
    for (let attempt = 0; attempt < 2; attempt++) {
      this.#cursor ??= this.map.keys();
      const next = this.#cursor.next();
      if (!next.done) return next.value;
      // A finished iterator stays finished: start again from the front.
      this.#cursor = undefined;
    }
    return undefined;
  }
}
