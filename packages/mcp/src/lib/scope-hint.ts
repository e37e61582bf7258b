// The `scope` of a 401 challenge: the scopes a client needs for basic access (the MCP spec's scope selection).
import { InvalidTokenError, MissingTokenError } from '@tollgate/core';

/**
 * Adds `scope="..."` to the challenge of a 401 for no token or an invalid token, so a client asks for the
 * scopes every request needs (MCP authorization spec, "Scope Selection Strategy"; RFC 6750 section 3 allows
 * `scope` in any challenge). Other refusals keep theirs: a 403 names its own scopes.
 */
export function withScopeHint(error: unknown, scopes: readonly string[] | undefined): unknown {
  if (scopes && (error instanceof MissingTokenError || error instanceof InvalidTokenError) && error.scope === undefined) {
    // An own property over the class's getter, on this one refusal: wwwAuthenticate() and the bodies read it.
    Object.defineProperty(error, 'scope', { value: scopes.join(' '), configurable: true, enumerable: false });
  }
  return error;
}
