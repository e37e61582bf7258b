// Benchmark: tollgate against peer JWT/OAuth resource-server libraries, on one machine, in one run.
//
//   node bench/run.js           full run (several minutes); writes bench/results.md
//   node bench/run.js --quick   small sizes, well under a minute; prints only (for CI: never asserts timings)
//
// Runs on the BUILT packages (`pnpm build` / `tsc -b` first). Everything talks to a local test issuer
// on 127.0.0.1; sizes and durations are fixed; child processes, servers and the issuer are closed at the end.
// Contenders are interleaved in rounds (alternating order) and medians are reported, with the median of
// per-round ratios, so machine drift hits all rows alike. Scenarios:
//   1. function level, RS256 / ES256 / EdDSA: one token repeated, and distinct tokens (+ the crypto.verify floor)
//   2. HTTP with autocannon: Express 5 / Koa 3 / Fastify 5 / Hono 4 / Nest 12 (Express and Fastify), bare and
//      protected; one token, and a token pool
//   3. cold start: concurrent requests with a new kid → JWKS fetches per library
//   4. memory: tollgate's heap after many unique invalid and valid tokens (own process, forced GC)
// The parts live in bench/lib/, one job per file.
import { writeFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

import { createTestIssuer } from '@tollgate/testing';

import { CONFIG, QUICK, TOLLGATE_CACHE_ENTRIES } from './lib/bench-options.js';
import { mintTokenSets } from './lib/bench-tokens.js';
import { coldStartFunctions, coldStartHttp, unpublishedKeys } from './lib/cold-start.js';
import { runFunctionScenarios } from './lib/function-scenarios.js';
import { runHttpScenarios, sanityCheckTargets } from './lib/http-scenarios.js';
import { startTargets, stopChild } from './lib/http-targets.js';
import { leakGuard } from './lib/leak-guard.js';
import { defineLibraries, loadTollgateExpress } from './lib/libraries.js';
import { measureMemory } from './lib/memory-plateau.js';
import { renderReport } from './lib/report.js';
import { checkTargets } from './lib/targets-check.js';

const startedAt = performance.now();
const elapsed = () => `${((performance.now() - startedAt) / 1000).toFixed(1)} s`;

async function main() {
  const guard = leakGuard('bench', QUICK ? 120_000 : 3_600_000); // hard upper bound on the whole run
  const issuer = await createTestIssuer({ algorithms: CONFIG.algs });
  const children = [];
  try {
    // The memory probe runs first, in its own process, while this one is still idle.
    process.stderr.write(`memory probe (${CONFIG.memory.invalid} invalid, ${CONFIG.memory.valid} valid tokens)... `);
    const memory = await measureMemory(CONFIG.memory, QUICK ? 60_000 : 1_800_000);
    process.stderr.write(`done at ${elapsed()}\n`);

    const issuerInfo = { issuer: issuer.issuer, audience: issuer.audience, jwksUri: issuer.jwksUri };
    const serverStart = startTargets(issuerInfo, 'RS256', (child) => children.push(child)); // boots while tokens are minted
    serverStart.catch(() => {}); // awaited below; this only keeps an early failure from being unhandled
    const libs = defineLibraries(issuer, await loadTollgateExpress());
    const tokens = await mintTokenSets(issuer);

    process.stderr.write('function level:\n');
    const functions = await runFunctionScenarios(libs, tokens);

    const { targets } = await serverStart;
    await sanityCheckTargets(targets, tokens.RS256.repeated[0]);
    process.stderr.write(`HTTP (${targets.length} targets), from ${elapsed()}:\n`);
    const http = await runHttpScenarios(targets, { repeated: tokens.RS256.repeated, httpPool: tokens.httpPool });

    process.stderr.write(`cold start, from ${elapsed()}... `);
    const coldLibs = libs.filter((lib) => !lib.floor); // the floor's key is prepared: nothing to fetch
    const coldTargets = targets.filter((target) => !target.bare);
    const keys = await unpublishedKeys(issuer, coldLibs.length + coldTargets.length);
    const coldStart = {
      functions: await coldStartFunctions(issuer, keys, coldLibs, CONFIG.coldStart.calls),
      http: await coldStartHttp(issuer, keys, coldTargets, CONFIG.coldStart.requests),
    };
    process.stderr.write('done\n');

    const targetsCheck = checkTargets({ functions, http, coldStart, memory });
    const notes = libs.map((lib) => [lib.name, lib.note]);
    const report = renderReport({ functions, http, targets, coldStart, memory, targetsCheck, notes, cacheEntries: TOLLGATE_CACHE_ENTRIES });
    process.stdout.write(`\n${report}`);
    if (!QUICK) {
      const out = fileURLToPath(new URL('./results.md', import.meta.url));
      await writeFile(out, `# tollgate benchmark results\n\nCommand: \`node bench/run.js\` (\`pnpm bench\`).\n\n${report}`);
      process.stderr.write(`wrote ${out}\n`);
    }
    process.stderr.write(`total wall time ${elapsed()}\n`);
  } finally {
    for (const child of children) await stopChild(child);
    await issuer.close();
    clearTimeout(guard);
    leakGuard('bench', 10_000);
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
