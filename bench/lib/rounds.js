// Rounds: each library runs once per round, order reversed every other round, and medians are reported.
import { performance } from 'node:perf_hooks';

import { CONFIG, REFERENCE } from './bench-options.js';

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/**
 * Runs one scenario: warm-up, then `rounds` rounds in which every library runs once (order reversed
 * every other round). `run(lib, round)` returns ops/s. Returns a row per library.
 */
export async function scenario(title, libs, { warmup, run }) {
  const began = performance.now();
  process.stderr.write(`  ${title}: warm-up`);
  for (const lib of libs) await warmup(lib);
  const perRound = new Map(libs.map((lib) => [lib.name, []]));
  for (let round = 0; round < CONFIG.rounds; round++) {
    process.stderr.write(` ${round + 1}`);
    const order = round % 2 === 0 ? libs : [...libs].reverse();
    for (const lib of order) perRound.get(lib.name).push(await run(lib, round));
  }
  process.stderr.write(` (${((performance.now() - began) / 1000).toFixed(1)} s)\n`);
  const reference = perRound.get(REFERENCE);
  const noCache = perRound.get(`${REFERENCE} (cache: false)`);
  return libs.map((lib) => {
    const rates = perRound.get(lib.name);
    return {
      scenario: title,
      library: lib.name + (lib.label ?? ''),
      opsPerSec: median(rates),
      // Median of per-round ratios: each ratio compares two runs made close together in time.
      relative: median(rates.map((rate, i) => rate / reference[i])),
      relativeNoCache: noCache ? median(rates.map((rate, i) => rate / noCache[i])) : NaN,
      spread: (Math.max(...rates) - Math.min(...rates)) / median(rates),
    };
  });
}
