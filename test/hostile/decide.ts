// Runs one verification under a hard time limit and classifies what happened, for the hostile suites.
import { TollgateError, type AccessToken } from '@tollgate/core';

/** What a verification did: accepted, refused with an RFC 6750 error, crashed with anything else, or hung. */
export type Decision =
  | { outcome: 'accepted'; token: AccessToken | undefined; ms: number }
  | { outcome: 'refused'; error: TollgateError; ms: number }
  | { outcome: 'crashed'; error: unknown; ms: number }
  | { outcome: 'timeout'; ms: number };

/**
 * Awaits `run` for at most `limitMs` and says how it ended. A timer, not the test runner, bounds it, so a
 * hang is reported as a decision like any other instead of stalling the suite.
 * @example
 * const decision = await decide(() => verifier.verify(token), 2000);
 * if (decision.outcome !== 'refused') throw new Error(describeDecision(decision));
 */
export async function decide(run: () => Promise<AccessToken | undefined>, limitMs: number): Promise<Decision> {
  // Each decision starts in a macrotask of its own, as a request would: thousands of decisions chained on
  // microtasks alone would starve timers and sockets (the issuer's keep-alive timer fires late, and the
  // next JWKS fetch then meets a connection the server is closing).
  await new Promise<void>((resolve) => setImmediate(resolve));
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), limitMs);
  });
  try {
    const result = await Promise.race([run(), hang]);
    const ms = performance.now() - started;
    return result === 'timeout' ? { outcome: 'timeout', ms } : { outcome: 'accepted', token: result, ms };
  } catch (error) {
    const ms = performance.now() - started;
    return error instanceof TollgateError ? { outcome: 'refused', error, ms } : { outcome: 'crashed', error, ms };
  } finally {
    clearTimeout(timer);
  }
}

/** A one-line account of a decision for an assertion message: never the token, never a stack. */
export function describeDecision(decision: Decision): string {
  switch (decision.outcome) {
    case 'accepted':
      return `accepted after ${decision.ms.toFixed(1)} ms`;
    case 'refused':
      return `refused ${decision.error.status} ${decision.error.code ?? '(no code)'} (${decision.error.reason}) after ${decision.ms.toFixed(1)} ms`;
    case 'crashed': {
      const error = decision.error;
      const what = error instanceof Error ? `${error.name}: ${error.message.slice(0, 120)}` : typeof error;
      return `crashed with ${what} after ${decision.ms.toFixed(1)} ms`;
    }
    case 'timeout':
      return `no decision within ${decision.ms.toFixed(0)} ms`;
  }
}
