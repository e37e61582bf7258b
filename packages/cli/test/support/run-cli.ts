// Runs the built `tollgate` bin in a child process, as a user's shell would, with a hard time limit.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/tollgate.js', import.meta.url));
const BUILT = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

/** What one run of the bin produced. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Wall time of the run, in milliseconds. */
  ms: number;
}

/**
 * Spawns `node bin/tollgate.js ...args`; `input` is written to stdin, which is then closed
 * (a pipe, so the CLI may read the token from it). Killed after `timeoutMs`.
 */
export function runCli(args: readonly string[], options: { input?: string; timeoutMs?: number } = {}): Promise<CliRun> {
  if (!existsSync(BUILT)) throw new Error('packages/cli/dist/main.js is missing: run `npx tsc -b` first');
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'], timeout: options.timeoutMs ?? 10_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    // The CLI may exit before reading stdin (a usage error): that EPIPE is not the test's concern.
    child.stdin.on('error', () => {});
    child.stdin.end(options.input ?? '');
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (signal) reject(new Error(`tollgate ${args[0] ?? ''} was killed by ${signal} (timeout?)`));
      else resolve({ code, stdout, stderr, ms: performance.now() - started });
    });
  });
}
