// Soak test: the same protected route behind each adapter (an Express 5 app with @tollgate/express, a
// Koa 3 app with @tollgate/koa, a Fastify 5 app with the @tollgate/fastify plugin), each with its own
// verifier pointed at one test issuer, all driven concurrently over real HTTP for a fixed time while
// keys rotate and the JWKS endpoint fails on and off. Every response is checked against the invariants
// below; violations are counted (never thrown) and the process exits 1 if there was any.
//
//   node --expose-gc bench/soak.js           full run: 60 s of traffic
//   node --expose-gc bench/soak.js --quick   5 s of traffic (CI), about 7-10 s in all
//   options: --seed=N (traffic mix and chaos timings; printed at the start), --duration=S (1..600),
//            --verbose (the timeline of JWKS responses per verifier, faults, floods and key events, to stderr)
//
// Runs on the BUILT packages (`tsc -b` first). Only 127.0.0.1; the duration, connections (6 per
// adapter), token pools and every list the script keeps are bounded; servers, agents and the issuer are
// closed at the end and the process exits by itself (if a handle leaked, it says which and exits 1).
//
// Traffic per adapter: reused valid tokens, bursts of new ones, a just-rotated key's first tokens, and
// tokens lacking the scope, expired, for another audience, from another issuer, with a tampered payload,
// a flipped signature, signed by an unpublished key under a published kid, alg none, HS256 keyed with
// the public key, garbage, malformed headers, over 8 KiB, missing; during floods also unknown kids and
// retired keys' tokens.
//
// Invariants, per response (judged against the view of that adapter's own verifier):
//   - no 5xx except 503 temporarily_unavailable with Retry-After; no client timeout; no connection error;
//   - the status is one the token kind allows (see judge()): valid → 200; lacking the scope → 403 with
//     scope="orders:read"; missing → 401 with a bare challenge; invalid → 401 invalid_token or 400
//     invalid_request. A 503 is allowed only while a JWKS fault is on (or its failure cooldown runs)
//     AND the token's key was not usable from that verifier's cache (stale-if-error must cover a cached
//     key); a key just rotated in must verify at once, also when it is published while a JWKS refetch
//     is on its way (the one documented exception: a key younger than one cooldown while a flood of
//     unknown kids keeps the unknown-kid cooldown running, docs/keys.md "Rotation without a window of 401s");
//     a retired key stops verifying once the verifier has a key set without it;
//   - no body or header contains the token, a stack trace or key material.
// Per run: heap and RSS growth after forced GC (after warm-up vs end) under their bounds (options.js
// says why those); each verifier's JWKS fetches under the bound the cache design allows (and the
// issuer's count under their sum); discovery read no more often than the key set (one read, two URLs, per fetch). The report gives, per adapter, requests by
// status, 5xx other than 503, 503s allowed during faults, wrong decisions and JWKS fetches, and per run
// memory, fetches vs bound and event-loop delay, then one `SOAK_SUMMARY {json}` line.
//
// The parts live in bench/soak/: options, the issuer and its tokens, the apps (apps.js), the per-adapter
// state (targets.js) and client, each verifier's JWKS observer, the chaos loops, the traffic, the
// invariants (judge.js, run-bounds.js) and the report.
import { monitorEventLoopDelay } from 'node:perf_hooks';

import { leakGuard } from './lib/leak-guard.js';
import { chaos, stopChaos } from './soak/chaos.js';
import { startApps, stopApps } from './soak/apps.js';
import { markRunStart, now, processStart, secs } from './soak/clock.js';
import { burstLoop, faultLoop, floodLoop } from './soak/fault-flood-burst-loops.js';
import { issuer, startIssuer } from './soak/issuer.js';
import { rotationLoop } from './soak/key-rotation.js';
import { memoryAfterGc } from './soak/memory.js';
import { CONFIG, NEW_TOKEN_CONNECTIONS, QUICK, SEED, VERBOSE } from './soak/options.js';
import { printReport, printTimeline } from './soak/report.js';
import { measuredRequests, resetCounts, violations } from './soak/results.js';
import { checkRunBounds } from './soak/run-bounds.js';
import { clearQueues, targets } from './soak/targets.js';
import { faultIsOn, faults } from './soak/timeline.js';
import { mintInitialTokens } from './soak/tokens.js';
import { worker } from './soak/traffic.js';

async function main() {
  leakGuard('soak', (CONFIG.duration + 120) * 1000); // hard upper bound on the whole run
  process.stderr.write(
    `soak: ${QUICK ? 'quick' : 'full'} mode, ${CONFIG.duration} s, ${targets.map((t) => t.name).join(' + ')} × ${CONFIG.concurrency} connections, seed ${SEED}\n`,
  );

  await startIssuer();
  await mintInitialTokens();
  await startApps();

  // Warm-up: discovery, the first JWKS, JIT. Then the baselines.
  markRunStart();
  const warmupEnd = now() + 1000;
  await Promise.all(targets.flatMap((target) => Array.from({ length: CONFIG.concurrency }, () => worker(target, warmupEnd, false))));
  resetCounts();
  const warmupViolations = violations.total;
  const before = await memoryAfterGc();
  const jwksBefore = issuer.requests.jwks;
  const fetchesBefore = targets.map((target) => target.jwks.requests);
  const discoveryBefore = issuer.requests.discovery;

  // The run: traffic at fixed concurrency for a fixed time, chaos beside it.
  const runStart = markRunStart();
  const until = runStart + CONFIG.duration * 1000;
  // Event-loop lag explains a timing-based failure on a busy machine (the JWKS timeout is 0.5 s).
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const chaosDone = Promise.all([rotationLoop(), faultLoop(), floodLoop(), burstLoop()]);
  const progress = setInterval(() => {
    process.stderr.write(
      `  ${secs(now() - runStart)} s: ${measuredRequests} requests, ${chaos.rotations} rotations, ${chaos.faultsStarted} faults${faultIsOn() ? ` (${faults.at(-1).kind} on)` : ''}, ` +
        `JWKS fetches ${targets.map((target, i) => `${target.name} ${target.jwks.requests - fetchesBefore[i]}`).join(' ')}, violations ${violations.total}\n`,
    );
  }, QUICK ? 1000 : 5000);
  const stopTimer = setTimeout(stopChaos, CONFIG.duration * 1000);
  // Every adapter at once, each on its own connections. Two of each adapter's connections carry only new
  // tokens (fresh clients): they are free when a key is rotated, even while the others wait on a JWKS refetch.
  await Promise.all(
    targets.flatMap((target) => Array.from({ length: CONFIG.concurrency }, (_, i) => worker(target, until, true, i < NEW_TOKEN_CONNECTIONS))),
  );
  const elapsed = now() - runStart;
  loopDelay.disable();
  clearTimeout(stopTimer);
  stopChaos();
  await chaosDone;
  clearInterval(progress);
  if (faultIsOn()) {
    issuer.setFault(null);
    faults.at(-1).off = now();
  }
  const jwksFetches = Object.fromEntries(targets.map((target, i) => [target.name, target.jwks.requests - fetchesBefore[i]]));
  const issuerJwksFetches = issuer.requests.jwks - jwksBefore;
  const discoveryFetches = issuer.requests.discovery - discoveryBefore;
  // Drop the soak's own token queues so that only tollgate's state (and the pools) stay reachable.
  clearQueues();
  const after = await memoryAfterGc();

  const measured = { elapsed, jwksFetches, issuerJwksFetches, discoveryFetches, before, after };
  const bounds = checkRunBounds(measured);
  printReport({ ...measured, ...bounds, loopDelay, warmupViolations });
  if (VERBOSE) printTimeline();

  // --- close everything, then make sure nothing keeps the process alive
  await stopApps();
  await issuer.close();
  process.exitCode = violations.total > 0 ? 1 : 0;
  process.stderr.write(`soak: ${violations.total === 0 ? 'passed' : 'FAILED'} in ${secs(now() - processStart)} s wall time\n`);
  leakGuard('soak', 10_000);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
  stopChaos();
  leakGuard('soak', 10_000);
});
