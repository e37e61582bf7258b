// The exit codes of the `tollgate` command: one per outcome a script may want to tell apart.

/**
 * Exit codes of `tollgate`:
 * - `0` Ok: the token is valid (`verify`) or was decoded (`inspect`);
 * - `1` InvalidToken: refused with 401 `invalid_token` (or 400), or not a decodable JWT;
 * - `2` InsufficientScope: valid, but refused with 403 `insufficient_scope`;
 * - `3` Unavailable: the issuer's keys could not be fetched (503); the token was not judged;
 * - `64` Usage: bad flags, invalid options, no token (EX_USAGE of sysexits.h);
 * - `70` Internal: a bug in tollgate (EX_SOFTWARE).
 * @example
 * const code = await main(['verify', token, '--issuer', issuer, '--audience', audience]);
 * if (code === ExitCode.InsufficientScope) console.log('ask for more scopes');
 */
export const ExitCode = Object.freeze({
  Ok: 0,
  InvalidToken: 1,
  InsufficientScope: 2,
  Unavailable: 3,
  Usage: 64,
  Internal: 70,
} as const);

/** One of the {@link ExitCode} values. */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
