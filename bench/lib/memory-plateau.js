// Runs memory-probe.js in its own process with --expose-gc, so forced GCs are possible and no other
// library's garbage is on the heap being measured.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const PROBE = fileURLToPath(new URL('./memory-probe.js', import.meta.url));

/** Resolves the probe's `{ checkpoints, perEntry }`; rejects on its error, an early exit, or after `timeoutMs`. */
export function measureMemory(sizes, timeoutMs) {
  const child = fork(PROBE, [JSON.stringify(sizes)], { execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    let result;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`memory probe still running after ${timeoutMs / 1000} s`));
    }, timeoutMs);
    child.once('message', (message) => {
      result = message;
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (result?.error) reject(new Error(`memory probe: ${result.error}`));
      else if (!result) reject(new Error(`memory probe exited (${code}) without a result`));
      else resolve(result);
    });
  });
}
