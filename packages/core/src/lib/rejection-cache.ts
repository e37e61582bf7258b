// A bounded LRU of refusals that cannot change while the key set stays the same, so a client stuck
// on one bad token (an expired one it never refreshes, say) costs a hash and a lookup, not a signature check.
import { createHash } from 'node:crypto';
import type { ClaimRuleRef } from '../claim-rules.js';
import type { TollgateErrorReason } from '../errors.js';
import { TokenCache } from './token-cache.js';

/** A remembered refusal: what to answer, and the key set it was decided against. */
export interface RememberedRefusal {
  readonly reason: TollgateErrorReason;
  readonly description: string;
  /** The issuer whose key set decided it, and that set's generation. */
  readonly issuer: string;
  readonly generation: number;
  /**
   * When a refetch could change it (milliseconds since the epoch): a bad signature may come from a key
   * the issuer put behind the kid since, so it is decided again once refetches are allowed. Absent:
   * only a new key set changes it.
   */
  readonly recheckAt?: number | undefined;
  /** For a `claim_rule` refusal: the rule that decided, so the repeated refusal names it too. */
  readonly rule?: ClaimRuleRef | undefined;
}

// Decided by the signature or by claims that time cannot repair. Not here: nbf/iat in the future
// (the token becomes valid later), an unknown kid (the key may be published), a JWKS outage.
const PERMANENT: ReadonlySet<TollgateErrorReason> = new Set<TollgateErrorReason>([
  'signature',
  'expired',
  'too_old',
  'audience',
  'issuer',
  'missing_claim',
  'invalid_claim',
  'sender_constrained',
  // Only the verifier's declarative rules are remembered: a validator's refusal is thrown outside the
  // verification that records refusals, since the state it read may change.
  'claim_rule',
]);

/** Whether a refusal for this reason stays right for as long as the key set does not change. */
export function isPermanentRefusal(reason: TollgateErrorReason): boolean {
  return PERMANENT.has(reason);
}

/**
 * Refusals keyed by the token's SHA-256, not the token: an attacker chooses the token's size, so
 * each entry stays about 200 bytes whatever was sent.
 */
export class RejectionCache {
  readonly #entries: TokenCache<RememberedRefusal>;
  constructor(readonly maxEntries: number) {
    this.#entries = new TokenCache<RememberedRefusal>(maxEntries);
  }

  get(token: string): RememberedRefusal | undefined {
    return this.maxEntries > 0 && this.#entries.size > 0 ? this.#entries.get(digest(token)) : undefined;
  }

  set(token: string, refusal: RememberedRefusal): void {
    if (this.maxEntries > 0) this.#entries.set(digest(token), refusal);
  }

  delete(token: string): void {
    if (this.#entries.size > 0) this.#entries.delete(digest(token));
  }

  get size(): number {
    return this.#entries.size;
  }
}

function digest(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}
