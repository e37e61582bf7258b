// Scope checks against a verified token: a boolean test, and an assertion that throws 403.
import type { AccessToken } from './access-token.js';
import { InsufficientScopeError, TollgateConfigError } from './errors.js';
import type { ScopeMatcher } from './resource-metadata.js';

/** `all`: every listed scope is required; `any`: one of them is enough. */
export type ScopeMode = 'all' | 'any';

/** Options of {@link hasScopes} and {@link assertScopes}. */
export interface ScopeOptions {
  /** `all` (default): every scope is required; `any`: one is enough. */
  mode?: ScopeMode;
  /** Realm of the {@link InsufficientScopeError} thrown. */
  realm?: string | undefined;
  /** A scope hierarchy's matcher (`verifier.options.scopeMatcher`); default: exact match. */
  matcher?: ScopeMatcher | undefined;
}

/** The scopes a token's claims grant, and whether its scope claims have types a verifier accepts. */
export interface GrantedScopes {
  /** From `scope` then `scp` (those of a valid type), without duplicates or empty entries, in token order. */
  readonly scopes: string[];
  /**
   * `false` when `scope` is neither a string nor an array of scope names (non-empty strings without a
   * space), or `scp` neither a string nor an array of strings.
   */
  readonly valid: boolean;
}

/**
 * Reads the scopes granted by (possibly unverified) claims: `scope` (space-delimited, RFC 8693
 * section 4.2, or an array of scope names, as some issuers send it) and `scp` (an array, as Okta sends
 * it, or a space-delimited string, as Entra ID does). A `scope` array whose members are not all
 * non-empty strings without a space is not `valid`: `["a b"]` could mean one scope or two.
 * A verifier refuses a token whose claims are not `valid` (and, with `strict`, any `scope` array:
 * RFC 9068 section 2.2.3 makes it a string); this function only reports it.
 * @example readScopes({ scope: 'a b', scp: ['b', 'c'] }) // { scopes: ['a', 'b', 'c'], valid: true }
 * @example readScopes({ scope: ['a', 'b'] }) // { scopes: ['a', 'b'], valid: true }
 * @see RFC 9068 section 2.2.3, RFC 6749 section 3.3
 */
export function readScopes(claims: Readonly<Record<string, unknown>>): GrantedScopes {
  const scopes = new Set<string>();
  let valid = true;
  const add = (value: unknown, isMember: (item: unknown) => boolean) => {
    if (typeof value === 'string') {
      for (const scope of value.split(' ')) if (scope) scopes.add(scope);
    } else if (Array.isArray(value) && value.every(isMember)) {
      for (const scope of value as string[]) if (scope) scopes.add(scope);
    } else if (value !== undefined) {
      valid = false;
    }
  };
  add(claims.scope, isScopeName);
  add(claims.scp, isString);
  return { scopes: [...scopes], valid };
}

const isString = (item: unknown): boolean => typeof item === 'string';
// A member of a `scope` array is one scope-token (RFC 6749 section 3.3): never empty, never two joined by a space.
const isScopeName = (item: unknown): boolean => typeof item === 'string' && item.length > 0 && !item.includes(' ');

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
 * With `matcher` (a verifier's `options.scopeMatcher`), a scope hierarchy applies.
 * @example hasScopes(token, ['orders:read', 'orders:write'], { mode: 'any' })
 * @example hasScopes(token, ['orders:read'], { matcher: verifier.options.scopeMatcher })
 */
export function hasScopes(token: Pick<AccessToken, 'scopes'>, scopes: readonly string[], options: { mode?: ScopeMode; matcher?: ScopeMatcher | undefined } = {}): boolean {
  if (scopes.length === 0) return true;
  const { matcher } = options;
  const grants = matcher ? (scope: string) => matcher(token.scopes, scope) : (scope: string) => token.scopes.includes(scope);
  return options.mode === 'any' ? scopes.some(grants) : scopes.every(grants);
}

/**
 * Throws {@link InsufficientScopeError} (403, `scope="..."`) unless the token grants the scopes.
 * @param token - a verified token (only its `scopes` are read)
 * @param scopes - the scopes to require
 * @example assertScopes(token, ['orders:write']); // throws InsufficientScopeError unless the token grants orders:write
 * @see RFC 6750 section 3.1
 */
export function assertScopes(token: Pick<AccessToken, 'scopes'>, scopes: readonly string[], options: ScopeOptions = {}): void {
  if (!hasScopes(token, scopes, options)) throw new InsufficientScopeError(scopes, { mode: options.mode ?? 'all', realm: options.realm });
}
