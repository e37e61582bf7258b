// Whether a token's unverified iss names a trusted issuer, by a `{tenant}` pattern or the user's function.
import { InvalidTokenError, JwksUnavailableError } from '../errors.js';
import { isCanonicalUrl, matchTenant, type CompiledPattern } from './issuer-pattern.js';
import { checkIssuerUrl, checkUrl, type InsecurePolicy } from './url-policy.js';
import type { IssuerFunction } from '../options.js';

/** What decides trust: a compiled pattern, or the user's function. */
export type TrustRule = { readonly kind: 'pattern'; readonly compiled: CompiledPattern } | { readonly kind: 'function'; readonly decide: IssuerFunction };

/** Settings of {@link IssuerTrust}; durations in seconds. */
export interface IssuerTrustSettings {
  rule: TrustRule;
  allowInsecure: InsecurePolicy;
  /** How long the function may take before the request is answered 503. */
  timeout: number;
  /** The Retry-After of that 503. */
  retryAfter: number;
  /** How many refusals of the function are remembered. */
  maxRemembered: number;
  realm: string;
  now: () => number;
}

/** A trust decision: trusted until this time (milliseconds since the epoch; `Infinity` for a pattern). */
export type TrustedUntil = number;

// Refusals that come from the function answering `false`, as opposed to a throw, a rejection or an
// answer that is no boolean (its store failing): only these withdraw an issuer's key set.
const withdrawals = new WeakSet<InvalidTokenError>();

/** Whether a refusal is the function's `false` (trust withdrawn), not a failure to answer. */
export function isWithdrawal(error: unknown): boolean {
  return error instanceof InvalidTokenError && withdrawals.has(error);
}

/** How long the function's answer for an issuer (either answer) is reused: it is asked again after it. */
export const DECISION_SECONDS = 60;
// Issuer identifiers are short URLs; a longer iss is refused before it reaches the function.
const MAX_ISSUER_LENGTH = 512;

/**
 * Decides trust for a token's unverified `iss` before anything is fetched for it. Only a string that is
 * an acceptable issuer URL as written (the URL policy of a configured issuer, spelled as `new URL` spells
 * it: no credentials, query, fragment, dot segments, percent-encoding, backslash, upper-case host or
 * default port) is matched or shown to the function, so the URL that discovery builds from a trusted
 * iss is the one that was trusted.
 * The function's answers are reused for {@link DECISION_SECONDS}: `true` with the issuer's key set,
 * `false` in a bounded record; concurrent requests for one iss share one call. A throw, a rejection
 * or an answer other than a boolean refuses the token (401) and is not remembered; a call slower than
 * `timeout` is a 503 (the function's own dependency is down; the token was not judged).
 */
export class IssuerTrust {
  readonly #settings: IssuerTrustSettings;
  readonly #refused = new Map<string, number>();
  readonly #pending = new Map<string, Promise<TrustedUntil>>();

  constructor(settings: IssuerTrustSettings) {
    this.#settings = settings;
  }

  /** Until when `iss` is trusted; throws `InvalidTokenError` (reason `issuer`) or `JwksUnavailableError`. */
  decide(iss: string): TrustedUntil | Promise<TrustedUntil> {
    const { rule, allowInsecure } = this.#settings;
    // `%` too: new URL keeps percent-encoding as written, and a function that decodes before it looks up
    // would trust one issuer for a URL that discovery reads as another path.
    if (iss.length > MAX_ISSUER_LENGTH || iss.includes('%') || !isCanonicalUrl(iss) || checkUrl('iss', iss, allowInsecure) || checkIssuerUrl('iss', iss)) {
      throw this.#untrusted();
    }
    if (rule.kind === 'pattern') {
      if (matchTenant(rule.compiled, iss) === undefined) throw this.#untrusted();
      return Number.POSITIVE_INFINITY;
    }
    const refusedUntil = this.#refused.get(iss);
    if (refusedUntil !== undefined) {
      if (this.#settings.now() < refusedUntil) throw this.#withdrawn();
      this.#refused.delete(iss);
    }
    let pending = this.#pending.get(iss);
    if (!pending) {
      pending = this.#ask(rule.decide, iss).finally(() => this.#pending.delete(iss));
      this.#pending.set(iss, pending);
    }
    return pending;
  }

  async #ask(decide: IssuerFunction, iss: string): Promise<TrustedUntil> {
    let answer: unknown;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = Symbol('timeout');
    const controller = new AbortController();
    try {
      // Called with the iss and a signal, no `this`; a synchronous throw is a refusal like a rejection.
      const call = new Promise<unknown>((resolve) => resolve(decide.call(undefined, iss, { signal: controller.signal })));
      const timeout = new Promise<typeof timedOut>((resolve) => {
        timer = setTimeout(() => {
          // Tell the lookup nobody waits for it any more, so it can stop (a query, a fetch).
          controller.abort(new Error(`the issuer function did not answer within ${this.#settings.timeout} s`));
          resolve(timedOut);
        }, this.#settings.timeout * 1000);
        timer.unref?.();
      });
      // A call that settles after the timeout is ignored; race() has already attached its handlers.
      answer = await Promise.race([call, timeout]);
    } catch (cause) {
      throw this.#untrusted(cause);
    } finally {
      clearTimeout(timer);
    }
    if (answer === timedOut) {
      throw new JwksUnavailableError({
        retryAfter: this.#settings.retryAfter,
        realm: this.#settings.realm,
        cause: new Error(`the issuer function did not answer within ${this.#settings.timeout} s`),
      });
    }
    const until = this.#settings.now() + DECISION_SECONDS * 1000;
    if (answer === true) return until;
    if (answer === false) {
      this.#remember(iss, until);
      throw this.#withdrawn();
    }
    // 'yes', 1, undefined (a forgotten return): only `true` trusts. The value itself is not echoed.
    throw this.#untrusted(new TypeError(`the issuer function returned ${answer === null ? 'null' : typeof answer}, not a boolean`));
  }

  #remember(iss: string, until: number): void {
    this.#refused.delete(iss);
    this.#refused.set(iss, until);
    if (this.#refused.size > this.#settings.maxRemembered) this.#refused.delete(this.#refused.keys().next().value!);
  }

  /** How many refusals of the function are remembered (bounded by `maxRemembered`). */
  get remembered(): number {
    return this.#refused.size;
  }

  #untrusted(cause?: unknown): InvalidTokenError {
    return new InvalidTokenError('issuer mismatch', { reason: 'issuer', realm: this.#settings.realm, cause });
  }

  /** The refusal of an issuer the function answered `false` for: its key set and decisions go. */
  #withdrawn(): InvalidTokenError {
    const error = this.#untrusted();
    withdrawals.add(error);
    return error;
  }
}
