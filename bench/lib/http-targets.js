// The HTTP targets' servers: all in one child process (serve-targets.js), so the load generator in this
// process and the server under load each get a core; only one target is under load at a time.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { HTTP_TARGETS } from './http-apps.js';

const SERVE = fileURLToPath(new URL('./serve-targets.js', import.meta.url));

/**
 * Forks the server process for `alg` tokens and waits until every target listens. Resolves
 * `{ child, targets }`, targets being HTTP_TARGETS with their `port`. `onChild` gets the child at once,
 * so the caller can stop it even when starting fails.
 */
export function startTargets(issuerInfo, alg, onChild) {
  const child = fork(SERVE, [alg, JSON.stringify(issuerInfo)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  onChild(child);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('HTTP targets did not start within 60 s')), 60_000);
    child.once('message', (message) => {
      clearTimeout(timer);
      if (message.error) reject(new Error(`HTTP targets: ${message.error}`));
      else resolve({ child, targets: HTTP_TARGETS.map((target) => ({ ...target, port: message.ports[target.name] })) });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`HTTP targets: server process exited (${code}) before listening`));
    });
  });
}

/** Disconnects a child (it closes its servers and exits); kills it if it is still there after 5 s. */
export async function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  if (child.connected) child.disconnect();
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
