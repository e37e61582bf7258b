// The exit codes of the `tollgate` command: one per outcome a script may want to tell apart.

/**
 * Exit codes of `tollgate`:
 * - `0` Ok: the token is valid (`verify`) or was decoded (`inspect`);
 * - `1` InvalidToken: refused with 401 `invalid_token` (or 400), or not a decodable JWT;
 * - `2` InsufficientScope: valid, but refused with 403 `insufficient_scope` (a scope or a claim rule);
 * - `3` Unavailable: a 503: the issuer's keys, the introspection endpoint or a claim validator could not answer; the token was not judged;
 * - `64` Usage: bad flags, invalid options, no token (EX_USAGE of sysexits.h);
 * - `70` Internal: a bug in tollgate (EX_SOFTWARE).
 * @example
 * const code = await main(['verify', token, '--issuer', issuer, '--audience', audience]);
 * if (code === ExitCode.InsufficientScope) console.log('ask for more scopes');
 */
export const ExitCode = Object.freeze({
  /** The token is valid (`verify`) or was decoded (`inspect`). */
  Ok: 0,
  /** Refused with 401 `invalid_token` (or 400), or not a decodable JWT. */
  InvalidToken: 1,
  /** Valid, but refused with 403 `insufficient_scope` (a missing scope or a failed per-route claim rule). */
  InsufficientScope: 2,
  /** A 503 (`TemporarilyUnavailableError`): keys, introspection or a claim validator could not answer; the token was not judged. */
  Unavailable: 3,
  /** Bad flags, invalid options or no token (`EX_USAGE`). */
  Usage: 64,
  /** A bug in tollgate (`EX_SOFTWARE`). */
  Internal: 70,
} as const);

/** One of the {@link ExitCode} values. */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
