// Scope checks against a verified token: a boolean test, and an assertion that throws 403.
import type { AccessToken } from './access-token.js';
import { InsufficientScopeError, TollgateConfigError } from './errors.js';

/** `all`: every listed scope is required; `any`: one of them is enough. */
export type ScopeMode = 'all' | 'any';

/** Options of {@link hasScopes} and {@link assertScopes}. */
export interface ScopeOptions {
  mode?: ScopeMode;
  realm?: string | undefined;
}

// RFC 6749 section 3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/**
 * Validates scope names given in configuration; a bad one is a programming error, reported at startup.
 * Returns them as a frozen array.
 */
export function validateScopes(scopes: readonly string[], where: string): readonly string[] {
  for (const scope of scopes) {
    if (typeof scope !== 'string' || !SCOPE_TOKEN.test(scope)) {
      throw new TollgateConfigError(`${where}: ${JSON.stringify(scope)} is not a valid scope (RFC 6749 section 3.3: printable ASCII, no spaces, quotes or backslashes)`);
    }
  }
  return Object.freeze([...scopes]);
}

/**
 * Whether the token grants the scopes: all of them (default) or any one of them.
 * An empty list is always satisfied.
 * @example hasScopes(token, ['orders:read', 'orders:write'], { mode: 'any' })
 */
export function hasScopes(token: Pick<AccessToken, 'scopes'>, scopes: readonly string[], options: { mode?: ScopeMode } = {}): boolean {
  if (scopes.length === 0) return true;
  return options.mode === 'any' ? scopes.some((scope) => token.scopes.includes(scope)) : scopes.every((scope) => token.scopes.includes(scope));
}

/**
 * Throws {@link InsufficientScopeError} (403, `scope="..."`) unless the token grants the scopes.
 * @see RFC 6750 section 3.1
 */
export function assertScopes(token: Pick<AccessToken, 'scopes'>, scopes: readonly string[], options: ScopeOptions = {}): void {
  if (!hasScopes(token, scopes, options)) throw new InsufficientScopeError(scopes, { mode: options.mode ?? 'all', realm: options.realm });
}
