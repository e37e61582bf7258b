// Parent side of bench/lib/signature-loader-child.js: one forked load generator, driven one run at a time over IPC.
import { execFileSync, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('./signature-loader-child.js', import.meta.url));

/** Pins every thread of process `pid` to one CPU (Linux taskset); threads it starts later inherit it. */
export function pinToCpu(pid, cpu) {
  execFileSync('taskset', ['--all-tasks', '--pid', '--cpu-list', String(cpu), String(pid)], { stdio: 'ignore' });
}

/**
 * Forks the load generator; with `cpu` (Linux, taskset) it is pinned to that CPU. `setTokens(tokens)` replaces its token pool; `run({ url, connections,
 * duration })` resolves autocannon's counts; `close()` ends the child. Each call is bounded by a
 * timeout, and a dead child rejects the pending call.
 */
export function startLoadGenerator({ cpu } = {}) {
  const child = fork(CHILD, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  if (cpu !== undefined) pinToCpu(child.pid, cpu);
  let pending = null;
  const settle = (fn, value) => {
    const current = pending;
    pending = null;
    if (current) {
      clearTimeout(current.timer);
      current[fn](value);
    }
  };
  child.on('message', (message) => {
    if (message.type === 'error') settle('reject', new Error(`load generator: ${message.message}`));
    else settle('resolve', message);
  });
  child.on('exit', (code) => settle('reject', new Error(`load generator exited (${code})`)));

  const call = (message, timeoutMs) =>
    new Promise((resolve, reject) => {
      if (pending) return reject(new Error('load generator is busy'));
      pending = { resolve, reject, timer: setTimeout(() => settle('reject', new Error('load generator timed out')), timeoutMs) };
      child.send(message);
    });

  return {
    setTokens: (tokens) => call({ type: 'tokens', tokens }, 30_000),
    run: ({ url, connections, duration }) => call({ type: 'run', url, connections, duration }, (duration + 20) * 1000),
    close: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const timer = setTimeout(() => child.kill(), 5_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.disconnect();
      }),
  };
}
