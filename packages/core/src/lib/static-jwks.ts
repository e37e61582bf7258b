// The key set of a verifier given static keys: no fetch ever, a constant generation, kid selection as for remote keys.
import type { KeyObject } from 'node:crypto';
import { keyFitsAlgorithm } from '../algorithms.js';
import { InvalidTokenError } from '../errors.js';
import type { KeySelector, RemoteJwks, SignatureVerdict } from './remote-jwks.js';
import type { ResolvedKey as StaticKey } from '../options.js';

/** What a verifier asks of the keys of an issuer: {@link RemoteJwks} or {@link StaticJwks}. */
export type KeySet = Pick<RemoteJwks, 'generation' | 'inHand' | 'verify'>;

/**
 * Static keys (the `keys` option). They never change, so the generation is constant (cached decisions
 * hold until the token's own expiry) and a refusal is final: an unknown kid is a 401 at once, since
 * there is nothing to refetch.
 *
 * Selection is that of remote keys: a token's kid picks the key of that kid, whose type (and curve,
 * and own `alg` when it names one) must fit the token's alg; a token without kid needs exactly one key
 * that fits. One addition: a kid no key has falls back to the keys without a kid (a KeyObject has
 * none, and issuers put a kid in every token), again exactly one of them fitting the alg.
 */
export class StaticJwks implements KeySet {
  readonly generation = 1;
  readonly #keys: readonly StaticKey[];
  readonly #realm: string;

  constructor(keys: readonly StaticKey[], realm: string) {
    this.#keys = keys;
    this.#realm = realm;
  }

  /** Always: static keys are always in hand. */
  inHand(): boolean {
    return true;
  }

  /** Checks the signature with the key the header selects. Throws `InvalidTokenError` when none fits. */
  async verify(selector: KeySelector, check: (key: KeyObject) => Promise<boolean>): Promise<SignatureVerdict> {
    const valid = await check(this.#select(selector));
    // A refusal stands for good: these keys never change (recheckAt: never).
    return { valid, generation: this.generation, recheckAt: Number.POSITIVE_INFINITY };
  }

  #select({ alg, kid }: KeySelector): KeyObject {
    const fail = (reason: 'unknown_key' | 'ambiguous_key' | 'algorithm', description: string) => new InvalidTokenError(description, { reason, realm: this.#realm });
    const fits = ({ jwk }: StaticKey) => keyFitsAlgorithm(jwk, alg) && (jwk.alg === undefined || jwk.alg === alg);
    if (kid !== undefined) {
      const named = this.#keys.filter((key) => key.jwk.kid === kid);
      if (named.length > 0) {
        // The kid names a key of another type or algorithm: a key-confusion attempt, refused.
        const key = named.find(fits);
        if (!key) throw fail('algorithm', 'algorithm does not match the signing key');
        return key.key;
      }
    }
    // No kid, or a kid no key has: the keys without a kid (every key, for a token without kid).
    const candidates = this.#keys.filter((key) => (kid === undefined || key.jwk.kid === undefined) && fits(key));
    if (candidates.length > 1) throw fail('ambiguous_key', kid === undefined ? 'token has no kid and several keys match' : 'several keys without kid match');
    if (candidates.length === 0) throw fail('unknown_key', 'unknown signing key');
    return candidates[0]!.key;
  }
}
