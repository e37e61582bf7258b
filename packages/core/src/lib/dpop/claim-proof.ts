// Claims a DPoP proof's jti in the replay store, once, within a time bound: a replay is a 401, a store that cannot answer a 503.
import { createHash } from 'node:crypto';
import { InvalidDpopProofError, ReplayStoreUnavailableError } from '../../errors.js';
import { ReplayStoreFullError, type ReplayStore } from '../../replay-store.js';
import { isThenable } from '../thenable.js';

/** Longest wait for the replay store; past it the proof is refused with a 503. */
export const REPLAY_STORE_TIMEOUT_MS = 1000;
// When the store cannot answer, a client may retry this many seconds later (unless the store says).
const RETRY_AFTER_SECONDS = 5;

/**
 * The store key of a proof: one value per (key, jti), hashed so a client's jti of any size or content
 * costs a fixed-size key and never reaches the store as it was sent.
 */
export function replayKey(jkt: string, jti: string): string {
  return `dpop:${createHash('sha256').update(jkt).update('\n').update(jti).digest('base64url')}`;
}

function unavailable(realm: string, cause: unknown): ReplayStoreUnavailableError {
  // A store that says when it will answer again (ReplayStoreFullError, @tollgate/redis's RedisUnavailableError) sets Retry-After.
  const hint = cause instanceof ReplayStoreFullError ? cause.retryAfter : (cause as { retryAfter?: unknown } | undefined)?.retryAfter;
  const retryAfter = typeof hint === 'number' && Number.isFinite(hint) && hint > 0 ? Math.min(hint, 3600) : RETRY_AFTER_SECONDS;
  return new ReplayStoreUnavailableError({ retryAfter, realm, cause });
}

/**
 * Claims the proof's jti for `ttlSeconds`. Resolves when it was free; rejects with `InvalidDpopProofError`
 * (`dpop_replay`) when it was claimed before, and with `ReplayStoreUnavailableError` (503) when the store
 * throws, rejects, answers anything but a boolean, or takes longer than {@link REPLAY_STORE_TIMEOUT_MS}.
 * @see RFC 9449 section 11.1
 */
export async function claimProof(store: ReplayStore, key: string, ttlSeconds: number, realm: string): Promise<void> {
  let answer: unknown;
  try {
    const pending = store.claim(key, ttlSeconds);
    if (isThenable<unknown>(pending)) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`the replay store did not answer within ${REPLAY_STORE_TIMEOUT_MS} ms`)), REPLAY_STORE_TIMEOUT_MS);
        timer.unref?.();
      });
      try {
        answer = await Promise.race([Promise.resolve(pending), timeout]);
      } finally {
        clearTimeout(timer);
      }
    } else {
      answer = pending;
    }
  } catch (error) {
    throw unavailable(realm, error);
  }
  if (answer === true) return;
  if (answer === false) throw new InvalidDpopProofError('DPoP proof replayed', { reason: 'dpop_replay', realm });
  throw unavailable(realm, new TypeError('the replay store answered something that is not a boolean'));
}
