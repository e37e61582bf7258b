// The `typ` header policy: which token types are accepted as access tokens (RFC 9068 section 2.1).

// RFC 7515 section 4.1.9: media types compare case-insensitively, and `application/` may be left out.
const normalize = (typ: string): string => typ.toLowerCase().replace(/^application\//, '');

/**
 * Whether a token with this `typ` may be used as an access token. Default: `at+jwt`, `JWT` or no
 * `typ` (most issuers do not send `at+jwt` yet); anything else (`dpop+jwt`, `logout+jwt`,
 * `secevent+jwt`...) is another kind of JWT and is refused. `strict`: `at+jwt` only.
 */
export function isAcceptedTokenType(typ: unknown, strict: boolean): boolean {
  if (typ === undefined) return !strict;
  if (typeof typ !== 'string') return false;
  const type = normalize(typ);
  return type === 'at+jwt' || (!strict && type === 'jwt');
}
