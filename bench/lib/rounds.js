// Rounds: each contender runs once per round, order reversed every other round; medians and ratios.
import { performance } from 'node:perf_hooks';

/** The median of a non-empty list of numbers. */
export const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/**
 * Runs one scenario: warm-up, then `rounds` rounds in which every contender runs once (order reversed
 * every other round, so drift in the machine hits both ends alike). `run(item, round)` returns a rate.
 * Returns `{ title, rates }`, rates: name → per-round rates.
 */
export async function scenario(title, items, { rounds, warmup, run }) {
  const began = performance.now();
  process.stderr.write(`  ${title}: warm-up`);
  for (const item of items) await warmup(item);
  const rates = new Map(items.map((item) => [item.name, []]));
  for (let round = 0; round < rounds; round++) {
    process.stderr.write(` ${round + 1}`);
    const order = round % 2 === 0 ? items : [...items].reverse();
    for (const item of order) rates.get(item.name).push(await run(item, round));
  }
  process.stderr.write(` (${((performance.now() - began) / 1000).toFixed(1)} s)\n`);
  return { title, rates };
}

/**
 * `name`'s rate ÷ `reference`'s rate, as the median of the per-round ratios (each ratio compares two
 * runs made close together in time). NaN when either is missing.
 */
export function ratio(result, name, reference) {
  const a = result.rates.get(name);
  const b = result.rates.get(reference);
  if (!a || !b) return NaN;
  return median(a.map((rate, i) => rate / b[i]));
}

/** Half of (max − min) / median of a contender's per-round rates: a rough noise bar. */
export function spread(rates) {
  return (Math.max(...rates) - Math.min(...rates)) / median(rates) / 2;
}
