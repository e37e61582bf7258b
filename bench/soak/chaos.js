// The chaos loops' shared state and their sleep, which stopChaos() cuts short so the run ends on time.
import { SLOW_FAULT_MS } from './options.js';

export const chaos = {
  stopped: false,
  sleepers: new Set(),
  rotations: 0,
  calmRotations: 0,
  midFetchRotations: 0,
  faultsStarted: 0,
  toggles: 0,
  bursts: 0,
  floods: 0,
  flood: false,
  // While set, no new fault or flood starts: a quiet rotation is under way (the first one is, from the start).
  quiet: true,
};
export const FAULT_KINDS = [
  { kind: 'down' },
  { kind: 'slow', delayMs: SLOW_FAULT_MS },
  { kind: 'error', status: 500 },
  { kind: 'invalid-json' },
  { kind: 'oversized' },
];

export function sleep(ms) {
  if (chaos.stopped) return Promise.resolve();
  return new Promise((resolve) => {
    const sleeper = { resolve, timer: setTimeout(() => chaos.sleepers.delete(sleeper) && resolve(), ms) };
    chaos.sleepers.add(sleeper);
  });
}

export function stopChaos() {
  chaos.stopped = true;
  for (const sleeper of chaos.sleepers) {
    clearTimeout(sleeper.timer);
    sleeper.resolve();
  }
  chaos.sleepers.clear();
}

