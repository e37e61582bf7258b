// The soak's summary (stdout): requests by adapter × status and by token kind × status, chaos, JWKS
// fetches against their bound, heap and RSS, allowances and violations, then one JSON line
// (`SOAK_SUMMARY {...}`) for machines; with --verbose, the timeline of JWKS responses, faults, floods
// and keys (stderr).
import { runStart, secs } from './clock.js';
import { chaos } from './chaos.js';
import { GC, mb } from './memory.js';
import { ADAPTERS, CONFIG, HEAP_GROWTH_BOUND, JWKS, JWKS_LATENCY_MS, QUICK, REQUEST_TIMEOUT_MS, RSS_GROWTH_BOUND, SEED, SLOW_FAULT_MS } from './options.js';
import { byAdapter, measuredRequests, notes, requestsOf, STATUS_COLUMNS, table, violations } from './results.js';
import { targets } from './targets.js';
import { faults, floods, keyInfo } from './timeline.js';

const sum = (values) => values.reduce((a, b) => a + b, 0);
const ms = (nanoseconds) => Math.round(nanoseconds / 1e6);
const signed = (bytes) => `${bytes >= 0 ? '+' : ''}${mb(bytes)}`;

/** Writes the summary and the JSON line; `run` holds the run's figures (timings, fetch counts, memory, bounds). */
export function printReport(run) {
  const { elapsed, loopDelay, jwksFetches, issuerJwksFetches, discoveryFetches, before, after, warmupViolations } = run;
  const { faultOnSeconds, floodOnSeconds, durationSeconds, jwksBound, issuerBound, roughBound, heapGrowth, rssGrowth } = run;
  const sliceCounts = new Map();
  for (const fault of faults) sliceCounts.set(fault.kind, (sliceCounts.get(fault.kind) ?? 0) + 1);
  const faultKinds = [...sliceCounts].map(([kind, n]) => `${kind} ×${n}`).join(', ');
  const out = [];
  out.push(`# tollgate soak (${QUICK ? 'quick' : 'full'})`, '');
  out.push(
    `Node ${process.version} · seed ${SEED} · ${secs(elapsed)} s · ${ADAPTERS.length} adapters × ${CONFIG.concurrency} connections · ` +
      `jwks ${JSON.stringify(JWKS)} · JWKS latency ${JWKS_LATENCY_MS.join('–')} ms · slow fault ${SLOW_FAULT_MS} ms · request timeout ${REQUEST_TIMEOUT_MS} ms`,
    '',
  );

  out.push(`| adapter | ${STATUS_COLUMNS.join(' | ')} | requests | 5xx other than 503 | 503 during faults | wrong decisions | JWKS fetches (bound ${jwksBound}) |`);
  out.push(`|---|${STATUS_COLUMNS.map(() => '--:').join('|')}|--:|--:|--:|--:|--:|`);
  for (const [name, tally] of byAdapter) {
    const cells = STATUS_COLUMNS.map((column) => tally.statuses.get(column) ?? 0);
    out.push(`| ${name} | ${cells.join(' | ')} | ${requestsOf(tally)} | ${tally.serverErrors} | ${tally.allowed503} | ${tally.violations} | ${jwksFetches[name]} |`);
  }
  out.push('');

  out.push(`| token kind (all adapters) | ${STATUS_COLUMNS.join(' | ')} | total |`);
  out.push(`|---|${STATUS_COLUMNS.map(() => '--:').join('|')}|--:|`);
  for (const [kind, row] of table) {
    const cells = STATUS_COLUMNS.map((column) => row.get(column) ?? 0);
    out.push(`| ${kind} | ${cells.join(' | ')} | ${sum(cells)} |`);
  }
  const totalCells = STATUS_COLUMNS.map((column) => sum([...table.values()].map((row) => row.get(column) ?? 0)));
  out.push(`| **all** | ${totalCells.join(' | ')} | ${measuredRequests} |`, '');

  out.push(
    `- requests: ${measuredRequests} in ${secs(elapsed)} s = ${Math.round(measuredRequests / durationSeconds)} req/s (client, three apps and issuer share one process); ` +
      `event-loop delay p99 ${ms(loopDelay.percentile(99))} ms, max ${ms(loopDelay.max)} ms`,
  );
  out.push(
    `- chaos: ${chaos.rotations} rotations (${chaos.calmRotations} of them in calm, ${chaos.midFetchRotations} of those while a JWKS response was in flight; each retiring the key before the previous one), ${chaos.faultsStarted} JWKS fault periods ` +
      `(on ${faultOnSeconds.toFixed(1)} s in all, ${chaos.toggles} toggles; ${faultKinds || 'no faults'}), ` +
      `${chaos.floods} unknown-kid floods, ${chaos.bursts} bursts of ${CONFIG.burstSize} new tokens`,
  );
  out.push(
    `- JWKS fetches per verifier: ${ADAPTERS.map((name) => `${name} ${jwksFetches[name]}`).join(', ')}; bound ${jwksBound} each = ⌈${durationSeconds.toFixed(1)} s/cacheMaxAge⌉ + 1 + ⌈flood-on ${floodOnSeconds.toFixed(1)} s/cooldown⌉ + ` +
      `${floods.length} floods + ⌈fault-on ${faultOnSeconds.toFixed(1)} s/cooldown⌉ + ${chaos.faultsStarted} faults + 2 × ${chaos.rotations} rotations + 2 ` +
      `(the rougher duration/cooldown + rotations + toggles = ${roughBound}); issuer side ${issuerJwksFetches} of ${issuerBound}; discovery after warm-up: ${discoveryFetches}`,
  );
  out.push(
    `- memory after forced GC, after warm-up → at the end, over ${measuredRequests} requests: heap used ${mb(before.heapUsed)} → ${mb(after.heapUsed)} (${signed(heapGrowth)}; bound +${mb(HEAP_GROWTH_BOUND)}), ` +
      `RSS ${mb(before.rss)} → ${mb(after.rss)} (${signed(rssGrowth)}; bound +${mb(RSS_GROWTH_BOUND)}), ` +
      `heap reserved ${mb(before.heapTotal)} → ${mb(after.heapTotal)}, external ${mb(before.external)} → ${mb(after.external)}` +
      (GC ? `; GC forced via ${GC.how}` : '; no GC available, growth not checked'),
  );
  out.push(
    `- allowed, not violations: ${notes.allowed503} 503s during JWKS faults without a usable cached key; ${notes.floodRefusals} 401s for a key ` +
      `younger than one cooldown during a kid flood (documented); retired-key tokens: ${notes.retiredStillValid} still accepted before the refetch, ${notes.retiredRefused} refused after`,
  );
  out.push(
    `- checked with no exemption in reach (no JWKS fault or its cooldown, no kid flood, key live): ${notes.strict} signed-token requests, ` +
      `${notes.strictRotated} of them first uses of a just-rotated key`,
  );
  out.push(`- violations: ${violations.total}${warmupViolations ? ` (${warmupViolations} during warm-up)` : ''}`);
  for (const [rule, n] of violations.byRule) out.push(`  - ${rule}: ${n}`);
  if (violations.examples.length > 0) {
    out.push('', `Examples (first ${violations.examples.length}):`);
    for (const example of violations.examples) out.push(`- ${JSON.stringify(example)}`);
  }

  const summary = {
    mode: QUICK ? 'quick' : 'full',
    seed: SEED,
    node: process.version,
    seconds: Number(durationSeconds.toFixed(2)),
    passed: violations.total === 0,
    violations: violations.total,
    adapters: Object.fromEntries(
      [...byAdapter].map(([name, tally]) => [
        name,
        {
          requests: requestsOf(tally),
          statuses: Object.fromEntries(STATUS_COLUMNS.map((column) => [column, tally.statuses.get(column) ?? 0])),
          wrongDecisions: tally.violations,
          serverErrors: tally.serverErrors,
          faults503: tally.allowed503,
          jwksFetches: jwksFetches[name],
        },
      ]),
    ),
    jwks: { bound: jwksBound, issuerFetches: issuerJwksFetches, issuerBound, discoveryAfterWarmup: discoveryFetches },
    memory: {
      gcForced: GC !== undefined,
      heapBefore: before.heapUsed,
      heapAfter: after.heapUsed,
      heapBound: HEAP_GROWTH_BOUND,
      rssBefore: before.rss,
      rssAfter: after.rss,
      rssBound: RSS_GROWTH_BOUND,
    },
    eventLoopDelayMs: { p99: ms(loopDelay.percentile(99)), max: ms(loopDelay.max) },
    chaos: { rotations: chaos.rotations, faults: chaos.faultsStarted, floods: chaos.floods, bursts: chaos.bursts },
  };
  out.push('', `SOAK_SUMMARY ${JSON.stringify(summary)}`);
  process.stdout.write(`${out.join('\n')}\n`);
}

/** With --verbose: every JWKS response (per verifier), fault, flood and key event, in time order, to stderr. */
export function printTimeline() {
  const at = (t) => (t === undefined ? '…' : secs(t - runStart));
  const events = [
    ...targets.flatMap(({ name, jwks }) =>
      jwks.log.map((f) => [f.end, `${name}: JWKS response (requested ${at(f.started)}) ${f.ok ? `ok, ${f.kids.size} keys` : 'failed'}`]),
    ),
    ...faults.map((f) => [f.on, `fault ${f.kind} until ${at(f.off)}`]),
    ...floods.map((f) => [f.on, `flood until ${at(f.off)}`]),
    ...[...keyInfo].flatMap(([kid, info]) => [
      ...(Number.isFinite(info.publishedAt) ? [[info.publishedAt, `published ${kid.slice(0, 8)}`]] : []),
      ...(info.retiredAt !== undefined ? [[info.retiredAt, `retired ${kid.slice(0, 8)}`]] : []),
    ]),
  ].sort((a, b) => a[0] - b[0]);
  for (const [t, text] of events) process.stderr.write(`  ${at(t).padStart(7)} s  ${text}\n`);
}
