// Maps a refusal from @tollgate/core to the exit code a script can branch on.
import { InsufficientClaimsError, InsufficientScopeError, TemporarilyUnavailableError, type TollgateError } from '@tollgate/core';
import { ExitCode } from './exit-codes.js';

/**
 * The exit code for a refusal from `@tollgate/core`.
 * @param error what the verifier or the scope check threw
 * @example exitCodeFor(new InsufficientScopeError(['orders:read'])) // 2
 * @see RFC 6750 section 3.1
 */
export function exitCodeFor(error: TollgateError): ExitCode {
  // A failed per-route claim rule is the same kind of answer as a missing scope: 403, the token is valid.
  if (error instanceof InsufficientScopeError || error instanceof InsufficientClaimsError) return ExitCode.InsufficientScope;
  // Keys, introspection or a claim validator unavailable: retry later, the token may be fine.
  if (error instanceof TemporarilyUnavailableError) return ExitCode.Unavailable;
  return ExitCode.InvalidToken;
}
