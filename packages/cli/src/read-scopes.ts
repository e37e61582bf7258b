// The scopes a token grants, read from `scope` (space-delimited) and `scp` (array or string) as core does.

/** Scopes of a token, and whether its scope claims have a type a verifier accepts. */
export interface TokenScopes {
  readonly scopes: readonly string[];
  /** `false` when `scope` or `scp` is neither a string nor an array of strings (a verifier refuses that). */
  readonly valid: boolean;
}

/**
 * Reads the granted scopes of unverified claims, without duplicates, in token order.
 * @param claims the decoded claims
 * @example readScopes({ scope: 'a b', scp: ['b', 'c'] }) // { scopes: ['a', 'b', 'c'], valid: true }
 * @see RFC 9068 section 2.2.3, RFC 8693 section 4.2
 */
export function readScopes(claims: Readonly<Record<string, unknown>>): TokenScopes {
  const scopes = new Set<string>();
  let valid = true;
  for (const value of [claims.scope, claims.scp]) {
    if (typeof value === 'string') value.split(' ').forEach((scope) => scope && scopes.add(scope));
    else if (Array.isArray(value) && value.every((item) => typeof item === 'string')) value.forEach((scope: string) => scope && scopes.add(scope));
    else if (value !== undefined) valid = false;
  }
  return { scopes: [...scopes], valid };
}
