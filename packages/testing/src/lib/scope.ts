// The RFC 6749 section 3.3 scope syntax: space-delimited scope-tokens of NQCHAR.

// scope-token = 1*( %x21 / %x23-5B / %x5D-7E ): printable ASCII except space, `"` and `\`.
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/** Whether `value` is one well-formed scope-token. */
export function isScopeToken(value: string): boolean {
  return SCOPE_TOKEN.test(value);
}

/** Splits a `scope` parameter into its distinct tokens; `undefined` when it is malformed. */
export function parseScope(value: string): string[] | undefined {
  const tokens = value.split(' ');
  if (!tokens.every(isScopeToken)) return undefined;
  return [...new Set(tokens)];
}
