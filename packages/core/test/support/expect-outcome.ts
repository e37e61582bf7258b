// One assertion for what a verification should come to: it verifies, or it is refused with exactly
// this class, status, code, reason and (for a 503) Retry-After, without leaking the endpoint.
import { expect } from 'vitest';
import { InvalidTokenError, JwksUnavailableError, TollgateError, type AccessToken, type TollgateErrorReason } from '../../src/index.js';
import { rejectionOf } from './jwks-support.js';

/** The expected result of one `verifier.verify(token)`. */
export type Outcome =
  | { readonly verifies: true }
  | {
      readonly verifies: false;
      readonly errorClass: typeof InvalidTokenError | typeof JwksUnavailableError;
      readonly status: 401 | 503;
      readonly code: 'invalid_token' | 'temporarily_unavailable';
      readonly reason: TollgateErrorReason;
      /** Seconds of `Retry-After`; only a 503 has one. */
      readonly retryAfter?: number;
    };

/** The token verifies. */
export const VERIFIES: Outcome = { verifies: true };

/** 503 `temporarily_unavailable`: the keys could not be had, with `Retry-After: seconds`. */
export function unavailable(seconds: number): Outcome {
  return { verifies: false, errorClass: JwksUnavailableError, status: 503, code: 'temporarily_unavailable', reason: 'jwks_unavailable', retryAfter: seconds };
}

/** 401 `invalid_token` for `reason` (no Retry-After: asking again will not help). */
export function invalidToken(reason: TollgateErrorReason): Outcome {
  return { verifies: false, errorClass: InvalidTokenError, status: 401, code: 'invalid_token', reason };
}

/** Short text for test titles and failure messages, e.g. `503 jwks_unavailable (Retry-After 10)`. */
export function describeOutcome(outcome: Outcome): string {
  if (outcome.verifies) return 'verifies';
  const retry = outcome.retryAfter === undefined ? '' : ` (Retry-After ${outcome.retryAfter})`;
  return `${outcome.status} ${outcome.reason}${retry}`;
}

/**
 * Awaits `verification` and checks it against `outcome`. Returns the token when it verifies.
 * @example await expectOutcome(verifier.verify(token), unavailable(10), 'cold start during a 500');
 */
export async function expectOutcome(verification: Promise<AccessToken>, outcome: Outcome, where = ''): Promise<AccessToken | undefined> {
  const label = where ? `${where}: expected ${describeOutcome(outcome)}` : describeOutcome(outcome);
  if (outcome.verifies) {
    const settled = await verification.then(
      (token) => ({ token, error: undefined }),
      (error: unknown) => ({ token: undefined, error }),
    );
    expect(settled.error === undefined ? 'verified' : describeError(settled.error), label).toBe('verified');
    return settled.token;
  }
  const error = await rejectionOf(verification);
  expect(error, label).toBeInstanceOf(outcome.errorClass);
  const err = error as TollgateError;
  expect({ status: err.status, code: err.code, reason: err.reason }, label).toEqual({
    status: outcome.status,
    code: outcome.code,
    reason: outcome.reason,
  });
  const headers = err.headers;
  expect(headers['WWW-Authenticate'], label).toContain(`error="${outcome.code}"`);
  expect(headers['Retry-After'], label).toBe(outcome.retryAfter === undefined ? undefined : String(outcome.retryAfter));
  // Nothing about the issuer's endpoint or the token reaches what the client sees.
  const rendered = JSON.stringify([err.message, err.toJSON(), headers]);
  expect(rendered, label).not.toMatch(/127\.0\.0\.1|well-known|http|eyJ/);
  return undefined;
}

function describeError(error: unknown): string {
  if (error instanceof TollgateError) return `${error.status} ${error.reason}`;
  return error instanceof Error ? error.name : 'a non-error rejection';
}
