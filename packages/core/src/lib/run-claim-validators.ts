// Runs claim validators in order, fail-closed: only `true` admits; a throw, a non-boolean or a timeout is a failure, never a pass.
import type { AccessToken } from '../access-token.js';
import type { ClaimRuleRef, ClaimValidatorFailure, ResolvedClaimRules } from '../claim-rules.js';
import { isThenable } from './thenable.js';

/** How long tollgate waits for one validator before it refuses the request (503) and aborts the validator's signal. */
export const CLAIM_VALIDATOR_TIMEOUT_MS = 5000;

/** Why the validators did not admit the token: one refused it (`refused`), or one could not decide. */
export interface ValidatorVerdict {
  /** The validator, and for a failure how it failed. */
  readonly rule: ClaimRuleRef;
  /** `true`: the validator returned `false`; `false`: it failed to decide (see `rule.failure`). */
  readonly refused: boolean;
  /** What the validator threw or rejected with, if it did; never rendered. */
  readonly cause?: unknown;
}

type Validator = ResolvedClaimRules['validators'][number];
type Outcome = boolean | { failure: ClaimValidatorFailure; cause?: unknown };

// Said once per validator function: a validator that returns `undefined` (`a && b`) is a bug to fix, not load.
const warned = new WeakSet<object>();

function runOne(validator: Validator, token: AccessToken, timeoutMs: number): Outcome | Promise<Outcome> {
  const controller = new AbortController();
  const { validate } = validator;
  let result: unknown;
  try {
    result = validate(token.claims, token, { signal: controller.signal });
  } catch (cause) {
    return { failure: 'threw', cause };
  }
  if (typeof result === 'boolean') return result;
  // Anything that could be a thenable is awaited (a plain object then settles as "not a boolean"); a
  // primitive other than a boolean is not a decision. Truthiness never counts: 'yes' or 1 is no `true`.
  if ((typeof result !== 'object' && typeof result !== 'function') || result === null) return { failure: 'not_boolean' };
  return new Promise<Outcome>((resolve) => {
    const timer = setTimeout(() => {
      controller.abort(new Error('tollgate: claim validator timed out'));
      resolve({ failure: 'timeout' });
    }, timeoutMs);
    timer.unref?.();
    // Both callbacks are attached now, so a validator that rejects after the timeout leaves no unhandled rejection.
    Promise.resolve(result).then(
      (value: unknown) => {
        clearTimeout(timer);
        resolve(typeof value === 'boolean' ? value : { failure: 'not_boolean' });
      },
      (cause: unknown) => {
        clearTimeout(timer);
        resolve({ failure: 'threw', cause });
      },
    );
  });
}

function verdictOf(validator: Validator, outcome: Outcome): ValidatorVerdict | undefined {
  if (outcome === true) return undefined;
  if (outcome === false) return { rule: Object.freeze({ kind: 'validator', validator: validator.name }), refused: true };
  if (outcome.failure === 'not_boolean' && !warned.has(validator.validate)) {
    warned.add(validator.validate);
    process.emitWarning(
      `tollgate: claim validator ${validator.name} did not return true or false, so the request was refused (503); return a boolean (or a promise of one)`,
      'TollgateWarning',
    );
  }
  return { rule: Object.freeze({ kind: 'validator', validator: validator.name, failure: outcome.failure }), refused: false, cause: outcome.cause };
}

/**
 * Runs the validators one after the other, stopping at the first that does not return `true`.
 * Synchronous while they are (a cache hit with a synchronous validator costs no promise).
 * @returns `undefined` when every validator admitted the token; otherwise the verdict of the first that did not
 */
export function runClaimValidators(
  rules: ResolvedClaimRules,
  token: AccessToken,
  timeoutMs = CLAIM_VALIDATOR_TIMEOUT_MS,
  from = 0,
): ValidatorVerdict | undefined | Promise<ValidatorVerdict | undefined> {
  const { validators } = rules;
  for (let index = from; index < validators.length; index++) {
    const validator = validators[index]!;
    const outcome = runOne(validator, token, timeoutMs);
    if (isThenable<Outcome>(outcome)) {
      return Promise.resolve(outcome).then((settled) => verdictOf(validator, settled) ?? runClaimValidators(rules, token, timeoutMs, index + 1));
    }
    const verdict = verdictOf(validator, outcome);
    if (verdict) return verdict;
  }
  return undefined;
}
