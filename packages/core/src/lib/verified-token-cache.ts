// The verified-token cache: an LRU whose places a token earns by coming back, so tokens seen once cost next to nothing (issue 16).
import type { AccessToken } from '../access-token.js';
import { TokenCache } from './token-cache.js';

/** A cached verification: the AccessToken and the key-set generation its signature was checked against. */
export interface VerifiedEntry {
  /** The raw token: the LRU is keyed by its fingerprint, and a hit must be this very string. */
  readonly token: string;
  readonly accessToken: AccessToken;
  readonly generation: number;
  /** Seen once so far: held only while it is among the last few admitted this way. */
  onTrial: boolean;
}

/** How many tokens seen once are held at a time: few enough that they die young (no old-generation GC). */
export const TRIAL_SLOTS = 16;

/**
 * A bounded LRU from raw token to its verification (at most `maxEntries`, as before), with an admission
 * rule. A token verified for the first time is held on trial, in one of {@link TRIAL_SLOTS} places that
 * the next first-seen tokens take over; a hit on trial makes it a full entry. A token that left its trial
 * unused leaves a fingerprint (a small integer) in a bounded record, and its next verification is admitted
 * at once. So a reused token is verified at most twice, as long as it comes back before `maxEntries`
 * other tokens were seen once, while distinct tokens, each seen once, never fill the LRU.
 * The LRU is keyed by the token's fingerprint, which hashes a dozen characters where a Map keyed by the
 * token would hash all of them on every request; an entry answers only for the very token it holds. So a
 * fingerprint collision costs a verification (one token's entry replaces the other's) or admits a token
 * one verification early, and never answers for another token.
 */
export class VerifiedTokenCache {
  readonly #lru: TokenCache<VerifiedEntry, number>;
  readonly #trialTokens: Array<string | undefined>;
  readonly #trialEntries: Array<VerifiedEntry | undefined>;
  #next = 0;
  // Two generations: a fingerprint stays for at least `maxEntries` recordings after it, and the whole
  // record never holds more than 2 × maxEntries small integers, whatever tokens are sent.
  #seen = new Set<number>();
  #seenBefore = new Set<number>();

  constructor(readonly maxEntries: number) {
    this.#lru = new TokenCache<VerifiedEntry, number>(maxEntries);
    const slots = Math.max(0, Math.min(TRIAL_SLOTS, maxEntries));
    this.#trialTokens = new Array<string | undefined>(slots).fill(undefined);
    this.#trialEntries = new Array<VerifiedEntry | undefined>(slots).fill(undefined);
  }

  get(token: string): VerifiedEntry | undefined {
    const found = this.#lru.get(fingerprint(token));
    const entry = found?.token === token ? found : undefined;
    // Coming back is what earns a full place; its trial slot is simply left to be overwritten.
    if (entry?.onTrial) entry.onTrial = false;
    return entry;
  }

  /** The token's entry, without counting a use. */
  peek(token: string): VerifiedEntry | undefined {
    const found = this.#lru.peek(fingerprint(token));
    return found?.token === token ? found : undefined;
  }

  /** Stores a verification that just passed every check. */
  set(token: string, accessToken: AccessToken, generation: number): void {
    if (this.maxEntries <= 0) return;
    const print = fingerprint(token);
    const seen = this.#seen.has(print) || this.#seenBefore.has(print);
    const entry: VerifiedEntry = { token, accessToken, generation, onTrial: !seen };
    this.#lru.set(print, entry);
    if (seen) return;
    const slot = this.#next;
    this.#next = (slot + 1) % this.#trialTokens.length;
    const evicted = this.#trialTokens[slot];
    const evictedEntry = this.#trialEntries[slot];
    this.#trialTokens[slot] = token;
    this.#trialEntries[slot] = entry;
    // Only the very entry that took this slot, still unused: a hit, a re-verification or an LRU eviction
    // since then means the slot no longer decides anything about that token.
    if (evicted !== undefined && evictedEntry?.onTrial) {
      const evictedPrint = fingerprint(evicted);
      if (this.#lru.peek(evictedPrint) === evictedEntry) {
        this.#lru.delete(evictedPrint);
        this.#remember(evictedPrint);
      }
    }
  }

  /** Removes the token's entry; another token's entry under the same fingerprint stays. */
  delete(token: string): void {
    const print = fingerprint(token);
    if (this.#lru.peek(print)?.token === token) this.#lru.delete(print);
  }

  get size(): number {
    return this.#lru.size;
  }

  /** How many fingerprints the record holds (bounded by 2 × maxEntries). */
  get recorded(): number {
    return this.#seen.size + this.#seenBefore.size;
  }

  #remember(print: number): void {
    if (this.#seen.size >= this.maxEntries) {
      this.#seenBefore = this.#seen;
      this.#seen = new Set<number>();
    }
    this.#seen.add(print);
  }
}

/**
 * A 30-bit fingerprint of the token's last 12 characters (its signature's, which differ between any two
 * tokens an issuer signed) and its length: a dozen multiply-adds, no hashing of the whole token.
 */
export function fingerprint(token: string): number {
  let hash = token.length;
  for (let i = Math.max(0, token.length - 12); i < token.length; i++) hash = Math.imul(hash ^ token.charCodeAt(i), 0x01000193);
  return (hash ^ (hash >>> 15)) & 0x3fffffff;
}
