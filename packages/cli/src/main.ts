// The `tollgate` command: parses the command line and runs one command; returns the exit code.
import { resolveIo, type CliIo } from './cli-io.js';
import { ExitCode } from './exit-codes.js';
import { helpText } from './help-text.js';
import { parseCliArgs } from './parse-cli-args.js';
import { redactTokens, safeText } from './lib/safe-text.js';
import { UsageError } from './lib/usage-error.js';
import { cliVersion } from './version.js';

/**
 * Runs `tollgate` with `argv` and resolves to its exit code (see {@link ExitCode}); it never throws
 * and never prints a stack trace, the raw token or its signature.
 * @param argv the arguments after the script, e.g. `process.argv.slice(2)`
 * @param io streams and clock to use instead of the process's (tests)
 * @example
 * process.exitCode = await main(process.argv.slice(2));
 * @example
 * const code = await main(['inspect', jwt, '--json'], { stdout: { write: (text) => out.push(text) } });
 */
export async function main(argv: readonly string[], io: Partial<CliIo> = {}): Promise<ExitCode> {
  const streams = resolveIo(io);
  try {
    const args = parseCliArgs(argv);
    switch (args.command) {
      case 'help':
        streams.stdout.write(helpText(args.topic));
        return ExitCode.Ok;
      case 'version':
        streams.stdout.write(`${cliVersion()}\n`);
        return ExitCode.Ok;
      // Loaded on demand: help, version and usage errors answer without loading core, jose and zod.
      case 'inspect':
        return await (await import('./commands/inspect.js')).runInspect(args, streams);
      case 'verify':
        return await (await import('./commands/verify.js')).runVerify(args, streams);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      const help = error.command ? `tollgate ${error.command} --help` : 'tollgate --help';
      // Line by line: core's option errors list one problem per line.
      const message = redactTokens(error.message).split('\n').map(safeText).join('\n');
      streams.stderr.write(`tollgate: ${message}\nRun '${help}' for usage.\n`);
      return ExitCode.Usage;
    }
    // A bug, not bad input: name it without a stack (paths) and without anything token-shaped.
    const what = error instanceof Error ? `${error.name}: ${error.message}` : 'unknown error';
    streams.stderr.write(`tollgate: internal error: ${safeText(redactTokens(what))}\n`);
    return ExitCode.Internal;
  }
}
