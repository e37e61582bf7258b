// The micro half of bench/signature-paths.js: verify a pool of distinct tokens, sequentially or N in flight.
import { performance } from 'node:perf_hooks';

/**
 * Verifies every token once and returns `{ rate, cpu }`: ops/s, and CPU µs per verification spent by this
 * process on all its threads (the thread pool included), which contention on a shared machine distorts
 * far less than wall time. `mode` 'seq' is a plain loop (a sync path is called
 * without await, an async one awaited one at a time); a number keeps that many verifications in flight
 * (a sliding window of workers, so the pool never drains between batches). Any rejection throws: the
 * tokens are all valid, so a failure is a bug in the path.
 */
export async function timeVerify(path, verify, tokens, mode) {
  const cpuBefore = process.cpuUsage();
  const start = performance.now();
  if (mode === 'seq' && path.kind === 'sync') {
    for (const token of tokens) verify(token);
  } else if (mode === 'seq') {
    for (const token of tokens) await verify(token);
  } else {
    let next = 0;
    const worker = async () => {
      while (next < tokens.length) await verify(tokens[next++]);
    };
    await Promise.all(Array.from({ length: mode }, worker));
  }
  const elapsed = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  return { rate: tokens.length / elapsed, cpu: (cpu.user + cpu.system) / tokens.length };
}

/**
 * One alg's micro rounds: every round gets a fresh token pool from `mintPool()`, then runs every
 * (path, mode) once, the order reversed every other round. Returns `{ rates, cpu }`, each
 * `[path][mode] = [one value per round]` (ops/s, CPU µs per verification).
 */
export async function microRounds({ paths, verifiers, modes, rounds, mintPool, onRound }) {
  const cases = paths.flatMap((path) => modes.map((mode) => ({ path, mode })));
  const table = () => Object.fromEntries(paths.map((path) => [path.name, Object.fromEntries(modes.map((mode) => [mode, []]))]));
  const rates = table();
  const cpu = table();
  for (let round = 0; round < rounds; round++) {
    const tokens = await mintPool();
    onRound?.(round);
    for (const { path, mode } of round % 2 === 0 ? cases : [...cases].reverse()) {
      const run = await timeVerify(path, verifiers[path.name], tokens, mode);
      rates[path.name][mode].push(run.rate);
      cpu[path.name][mode].push(run.cpu);
    }
  }
  return { rates, cpu };
}
