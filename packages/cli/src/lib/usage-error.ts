// The error for a command line that cannot run: bad flags, a missing token, invalid options.

/**
 * A usage mistake: the message is shown on stderr and the exit code is 64 (EX_USAGE).
 * The message never contains the token.
 * @example throw new UsageError('expected one token, got 2 arguments', 'verify');
 */
export class UsageError extends Error {
  /** Which command's help to point at, if any. */
  readonly command: string | undefined;

  constructor(message: string, command?: string) {
    super(message);
    this.name = 'UsageError';
    this.command = command;
  }
}
