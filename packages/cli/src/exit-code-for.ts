// Maps a refusal from @tollgate/core to the exit code a script can branch on.
import { InsufficientScopeError, JwksUnavailableError, type TollgateError } from '@tollgate/core';
import { ExitCode } from './exit-codes.js';

/**
 * The exit code for a refusal from `@tollgate/core`.
 * @param error what the verifier or the scope check threw
 * @example exitCodeFor(new InsufficientScopeError(['orders:read'])) // 2
 * @see RFC 6750 section 3.1
 */
export function exitCodeFor(error: TollgateError): ExitCode {
  if (error instanceof InsufficientScopeError) return ExitCode.InsufficientScope;
  if (error instanceof JwksUnavailableError) return ExitCode.Unavailable;
  return ExitCode.InvalidToken;
}
