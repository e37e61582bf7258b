// Runs `main` in this process with collected output, a given stdin and a given clock.
import { Readable } from 'node:stream';
import { main, type TokenInput } from '../../src/index.js';

/** What one in-process run produced. */
export interface MainRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** A terminal: `isTTY`, and reading it is a test failure (the CLI must not wait on a person). */
export const terminal: TokenInput = {
  isTTY: true,
  [Symbol.asyncIterator]() {
    throw new Error('stdin is a terminal and must not be read');
  },
};

/** Runs `main(argv)`; `stdin` is piped text, or the terminal by default. */
export async function runMain(argv: readonly string[], options: { stdin?: string; now?: number } = {}): Promise<MainRun> {
  let stdout = '';
  let stderr = '';
  const stdin = options.stdin === undefined ? terminal : Readable.from([Buffer.from(options.stdin)]);
  const code = await main(argv, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    stdin,
    ...(options.now !== undefined && { now: () => options.now! }),
  });
  return { code, stdout, stderr };
}
