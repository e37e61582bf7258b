// Runs the built examples as child processes of node, bounded in time, the way a user runs them.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Path of a built example script; throws with the fix when the build has not run. */
export function built(script: string): string {
  const path = join(root, 'examples', 'dist', script);
  if (!existsSync(path)) throw new Error(`${path} is missing: run \`npx tsc -b\` first (pnpm test does)`);
  return path;
}

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `node <script> ...args` to the end; killed after `timeoutMs`. */
export function runNode(script: string, args: readonly string[] = [], timeoutMs = 40_000): Promise<Finished> {
  return finished(spawn(process.execPath, [built(script), ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs }));
}

/** A long-running child: its output so far, a wait for a line, and its end. */
export interface Running {
  readonly child: ChildProcess;
  output(): string;
  /** Resolves once stdout matches `pattern`; rejects after `timeoutMs` or if the child ends first. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  readonly done: Promise<Finished>;
}

/** Starts `node <script> ...args`; the caller stops it (a safety kill comes after `timeoutMs`). */
export function startNode(script: string, args: readonly string[], timeoutMs = 40_000): Running {
  const child = spawn(process.execPath, [built(script), ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  const done = finished(child);
  return {
    child,
    done,
    output: () => stdout,
    waitFor(pattern, wait = 30_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${pattern} within ${wait} ms; output so far:\n${stdout}`)), wait);
        const check = () => {
          if (!pattern.test(stdout)) return;
          clearTimeout(timer);
          child.stdout?.off('data', check);
          resolve(stdout);
        };
        child.stdout?.on('data', check);
        void done.then(() => {
          clearTimeout(timer);
          if (pattern.test(stdout)) resolve(stdout);
          else reject(new Error(`the child ended before ${pattern}; output:\n${stdout}`));
        });
        check();
      });
    },
  };
}

function finished(child: ChildProcess): Promise<Finished> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}
