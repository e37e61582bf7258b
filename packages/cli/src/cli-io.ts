// The streams and clock the CLI uses, injectable so tests can run `main` in-process.
import type { TokenInput } from './read-token.js';

/** Somewhere to write text: `process.stdout`, or a collector in tests. */
export interface TextOutput {
  /** Writes `text` as it is; the return value is ignored. */
  write(text: string): unknown;
}

/** What `main` reads from and writes to. */
export interface CliIo {
  /** Help, the version, and each command's result (a refusal included). */
  readonly stdout: TextOutput;
  /** Usage errors and other failures that are not a command's result. */
  readonly stderr: TextOutput;
  /** Where the token is read from when its argument is `-`, or absent and stdin is not a terminal. */
  readonly stdin: TokenInput;
  /** The clock, in milliseconds since the epoch: relative times and the verifier's exp/nbf checks use it. */
  readonly now: () => number;
}

/**
 * The process's own streams and clock, with `overrides` taking precedence.
 * @param overrides any part to replace
 * @example const io = resolveIo({ now: () => Date.parse('2026-11-23T18:36:00Z') });
 */
export function resolveIo(overrides: Partial<CliIo> = {}): CliIo {
  return {
    stdout: overrides.stdout ?? quiet(process.stdout),
    stderr: overrides.stderr ?? quiet(process.stderr),
    stdin: overrides.stdin ?? process.stdin,
    now: overrides.now ?? Date.now,
  };
}

const quieted = new WeakSet<NodeJS.WriteStream>();

// A reader that went away (`tollgate inspect ... | head -1`) makes writes fail with EPIPE; there is
// nobody left to tell, and Node's default for an unhandled stream error is a crash with a stack trace.
function quiet(stream: NodeJS.WriteStream): TextOutput {
  if (!quieted.has(stream)) {
    stream.on('error', () => {});
    quieted.add(stream);
  }
  return stream;
}
