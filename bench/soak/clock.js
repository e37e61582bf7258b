// Time as the soak reads it: milliseconds since process start, and the start of the current phase.
import { performance } from 'node:perf_hooks';

export const now = () => performance.now();
export const secs = (ms) => (ms / 1000).toFixed(2);
export const processStart = now();

/** When the current phase (warm-up, then the run) began; violations and the timeline are relative to it. */
export let runStart = 0;
export function markRunStart() {
  runStart = now();
  return runStart;
}
