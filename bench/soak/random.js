// The soak's only source of randomness for its mix and chaos timings, seeded so a run can be replayed.
import { SEED } from './options.js';

// mulberry32: a small seeded PRNG, so a failing mix can be replayed with --seed.
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const random = prng(SEED);
export const between = ([min, max]) => min + (max - min) * random();
export const pickOne = (list) => list[Math.floor(random() * list.length)];
