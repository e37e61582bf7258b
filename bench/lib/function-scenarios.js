// Function-level scenarios: each library's verify function, per algorithm, on one repeated token and on
// distinct tokens, one at a time and with CONFIG.inFlight verifications under way at once. Libraries that cannot verify an algorithm are reported as n/a, never timed.
import { CONFIG } from './bench-options.js';
import { sanityCheck } from './bench-tokens.js';
import { supports } from './libraries.js';
import { scenario } from './rounds.js';
import { timeConcurrent, timeSequential } from './timing.js';

/** Runs the three scenarios for every algorithm. Returns `[{ alg, rows, results: [same, distinct, concurrent] }]`. */
export async function runFunctionScenarios(libs, tokens) {
  const out = [];
  for (const alg of CONFIG.algs) {
    const t = tokens[alg];
    const runnable = libs.filter((lib) => supports(lib, alg));
    const verifiers = new Map();
    for (const lib of runnable) {
      const verify = lib.fn(alg);
      await sanityCheck(`${lib.name} (${alg})`, verify, t.warmup[0]);
      verifiers.set(lib.name, verify);
    }
    const v = (lib) => verifiers.get(lib.name);
    const same = await scenario(`${alg}, same token ×${CONFIG.repeated}`, runnable, {
      rounds: CONFIG.rounds,
      warmup: (lib) => timeSequential(v(lib), t.repeated, CONFIG.warmup),
      run: (lib) => timeSequential(v(lib), t.repeated, CONFIG.repeated),
    });
    const distinct = await scenario(`${alg}, ${CONFIG.distinct} distinct tokens per round`, runnable, {
      rounds: CONFIG.rounds,
      warmup: (lib) => timeSequential(v(lib), t.warmup, t.warmup.length),
      // One fresh pool per round: no token is seen twice by the same verifier, so no cache can hit.
      run: (lib, round) => timeSequential(v(lib), t.rounds[round], t.rounds[round].length),
    });
    const concurrent = await scenario(`${alg}, ${CONFIG.distinct} distinct tokens per round, ${CONFIG.inFlight} in flight`, runnable, {
      rounds: CONFIG.rounds,
      warmup: (lib) => timeConcurrent(v(lib), t.warmup, CONFIG.inFlight),
      run: (lib, round) => timeConcurrent(v(lib), t.concurrentRounds[round], CONFIG.inFlight),
    });
    const rows = libs.map((lib) => ({ name: lib.name, na: supports(lib, alg) ? undefined : lib.unsupported }));
    out.push({ alg, rows, results: [same, distinct, concurrent] });
  }
  return out;
}
