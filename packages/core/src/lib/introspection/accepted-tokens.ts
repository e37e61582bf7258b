// Introspected tokens this process accepted, each until its result would leave the cache: a hit costs what a JWT cache hit costs.
import type { AccessToken } from '../../access-token.js';
import { TokenCache } from '../token-cache.js';
import { fingerprint } from '../verified-token-cache.js';

interface AcceptedEntry {
  /** The very token: an entry found by fingerprint answers only for it. */
  readonly token: string;
  readonly accessToken: AccessToken;
  /** Milliseconds: when the endpoint's answer stops being reused (the revocation window ends). */
  readonly until: number;
}

/**
 * A bounded LRU in front of the result cache, for answers this process got from the endpoint itself: no
 * digest, no store read, no rebuilt AccessToken on a hit. Answers read from a shared store are not held
 * here, because their age is not known, and holding them would stretch the revocation window.
 */
export class AcceptedTokens {
  readonly #lru: TokenCache<AcceptedEntry, number>;

  constructor(maxEntries: number) {
    this.#lru = new TokenCache<AcceptedEntry, number>(maxEntries);
  }

  get(token: string, now: number): AccessToken | undefined {
    const print = fingerprint(token);
    const entry = this.#lru.get(print);
    if (entry?.token !== token) return undefined;
    if (now < entry.until) return entry.accessToken;
    this.#lru.delete(print);
    return undefined;
  }

  set(token: string, accessToken: AccessToken, until: number): void {
    this.#lru.set(fingerprint(token), { token, accessToken, until });
  }

  delete(token: string): void {
    const print = fingerprint(token);
    if (this.#lru.peek(print)?.token === token) this.#lru.delete(print);
  }
}
