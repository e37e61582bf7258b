// Benchmark: tollgate against peer JWT/OAuth resource-server libraries, in one process, on one machine.
//
//   node bench/run.js           full run (a few minutes); writes bench/results.md
//   node bench/run.js --quick   small N, well under 30 s; prints only (for CI: never asserts timings)
//
// Runs on the BUILT packages (`pnpm build` / `tsc -b` first). Everything talks to a local test issuer
// on 127.0.0.1; request counts are fixed; servers, agents and the issuer are closed at the end.
// Libraries are interleaved in rounds (alternating order) and the median per library is reported,
// together with the median of the per-round ratios to tollgate, so machine drift hits all rows alike.
//
// The parts live in bench/lib/: the libraries under test, tokens, timing, rounds and the results table.
import { writeFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

import { createTestIssuer } from '@tollgate/testing';

import { CONFIG, QUICK } from './lib/bench-options.js';
import { mintTokenSets, sanityCheck } from './lib/bench-tokens.js';
import { startTargets } from './lib/http-targets.js';
import { leakGuard } from './lib/leak-guard.js';
import { ceiling, defineLibraries, loadTollgateExpress } from './lib/libraries.js';
import { closeServer } from './lib/local-server.js';
import { renderReport } from './lib/results-table.js';
import { scenario } from './lib/rounds.js';
import { timeHttp, timeSequential } from './lib/timing.js';

const startedAt = performance.now();

async function main() {
  const guard = leakGuard('bench', QUICK ? 120_000 : 1_800_000); // hard upper bound on the whole run
  const issuer = await createTestIssuer({ algorithms: CONFIG.algs });
  const servers = [];
  try {
    const tollgateExpress = await loadTollgateExpress();
    const libs = defineLibraries(issuer, tollgateExpress);
    const tokens = await mintTokenSets(issuer);

    const rows = [];
    for (const alg of CONFIG.algs) {
      const t = tokens[alg];
      const verifiers = new Map();
      for (const lib of libs) {
        const verify = lib.fn(alg);
        await sanityCheck(`${lib.name} (${alg})`, verify, t.warmup[0]);
        verifiers.set(lib.name, verify);
      }
      const v = (lib) => verifiers.get(lib.name);
      rows.push(
        ...(await scenario(`${alg}, same token ×${CONFIG.repeated}`, libs, {
          warmup: (lib) => timeSequential(v(lib), t.repeated, CONFIG.warmup),
          run: (lib) => timeSequential(v(lib), t.repeated, CONFIG.repeated),
        })),
      );
      rows.push(
        ...(await scenario(`${alg}, ${CONFIG.distinct} distinct tokens`, libs, {
          warmup: (lib) => timeSequential(v(lib), t.warmup, t.warmup.length),
          run: (lib, round) => timeSequential(v(lib), t.rounds[round], t.rounds[round].length),
        })),
      );
    }

    // HTTP end to end (RS256): one Express 5 app per library, each with its own verifier instance.
    const alg = 'RS256';
    const t = tokens[alg];
    const httpLibs = [...libs, ceiling].map((lib) => ({ ...lib, label: lib.httpNote }));
    const targets = await startTargets(httpLibs, alg, servers);
    rows.push(
      ...(await scenario(`HTTP, same token ×${CONFIG.http} (c=${CONFIG.concurrency})`, httpLibs, {
        warmup: (lib) => timeHttp(targets.get(lib.name), t.repeated, CONFIG.warmup, CONFIG.concurrency),
        run: (lib) => timeHttp(targets.get(lib.name), t.repeated, CONFIG.http, CONFIG.concurrency),
      })),
    );
    rows.push(
      ...(await scenario(`HTTP, ${CONFIG.distinct} distinct tokens (c=${CONFIG.concurrency})`, httpLibs, {
        warmup: (lib) => timeHttp(targets.get(lib.name), t.warmup, t.warmup.length, CONFIG.concurrency),
        run: (lib, round) => timeHttp(targets.get(lib.name), t.rounds[round], t.rounds[round].length, CONFIG.concurrency),
      })),
    );
    for (const { agent } of targets.values()) agent.destroy();
    const report = renderReport(rows, [...libs, ceiling]);
    process.stdout.write(`\n${report}`);
    if (!QUICK) {
      const out = fileURLToPath(new URL('./results.md', import.meta.url));
      await writeFile(out, `# tollgate benchmark results\n\n${report}`);
      process.stderr.write(`wrote ${out}\n`);
    }
    process.stderr.write(`total wall time ${((performance.now() - startedAt) / 1000).toFixed(1)} s\n`);
  } finally {
    for (const server of servers) await closeServer(server);
    await issuer.close();
    clearTimeout(guard);
    leakGuard('bench', 10_000);
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
