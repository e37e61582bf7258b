// The soak's summary (stdout): requests by kind × status, chaos, JWKS fetches against their bound, heap,
// allowances and violations; with --verbose, the timeline of JWKS responses, faults, floods and keys.
import { runStart, secs } from './clock.js';
import { chaos } from './chaos.js';
import { jwksLog } from './jwks-observer.js';
import { GC, mb } from './memory.js';
import { CONFIG, HEAP_GROWTH_BOUND, JWKS, JWKS_LATENCY_MS, QUICK, REQUEST_TIMEOUT_MS, SEED, SLOW_FAULT_MS } from './options.js';
import { measuredRequests, notes, STATUS_COLUMNS, table, violations } from './results.js';
import { faults, floods, keyInfo } from './timeline.js';

/** Writes the summary; `run` holds the run's figures (timings, fetch counts, heap, bounds). */
export function printReport(run) {
  const { elapsed, loopDelay, jwksFetches, discoveryFetches, heapBefore, heapAfter, warmupViolations } = run;
  const { faultOnSeconds, floodOnSeconds, durationSeconds, jwksBound, roughBound, growth } = run;
  const sliceCounts = new Map();
  for (const fault of faults) sliceCounts.set(fault.kind, (sliceCounts.get(fault.kind) ?? 0) + 1);
  const faultKinds = [...sliceCounts].map(([kind, n]) => `${kind} ×${n}`).join(', ');
  const out = [];
  out.push(`# tollgate soak (${QUICK ? 'quick' : 'full'})`, '');
  out.push(
    `Node ${process.version} · seed ${SEED} · ${secs(elapsed)} s at concurrency ${CONFIG.concurrency} · ` +
      `jwks ${JSON.stringify(JWKS)} · JWKS latency ${JWKS_LATENCY_MS.join('–')} ms · slow fault ${SLOW_FAULT_MS} ms · request timeout ${REQUEST_TIMEOUT_MS} ms`,
    '',
  );
  out.push(`| token kind | ${STATUS_COLUMNS.join(' | ')} | total |`);
  out.push(`|---|${STATUS_COLUMNS.map(() => '--:').join('|')}|--:|`);
  const totals = new Map();
  for (const [kind, row] of table) {
    const cells = STATUS_COLUMNS.map((column) => row.get(column) ?? 0);
    cells.forEach((value, i) => totals.set(STATUS_COLUMNS[i], (totals.get(STATUS_COLUMNS[i]) ?? 0) + value));
    out.push(`| ${kind} | ${cells.join(' | ')} | ${cells.reduce((a, b) => a + b, 0)} |`);
  }
  const totalCells = STATUS_COLUMNS.map((column) => totals.get(column) ?? 0);
  out.push(`| **all** | ${totalCells.join(' | ')} | ${measuredRequests} |`, '');
  out.push(
    `- requests: ${measuredRequests} in ${secs(elapsed)} s = ${Math.round(measuredRequests / durationSeconds)} req/s; ` +
      `event-loop delay p99 ${(loopDelay.percentile(99) / 1e6).toFixed(0)} ms, max ${(loopDelay.max / 1e6).toFixed(0)} ms`,
  );
  out.push(
    `- chaos: ${chaos.rotations} rotations (${chaos.calmRotations} of them in calm, ${chaos.midFetchRotations} of those while a JWKS response was in flight; each retiring the key before the previous one), ${chaos.faultsStarted} JWKS fault periods ` +
      `(on ${faultOnSeconds.toFixed(1)} s in all, ${chaos.toggles} toggles; ${faultKinds || 'no faults'}), ` +
      `${chaos.floods} unknown-kid floods, ${chaos.bursts} bursts of ${CONFIG.burstSize} new tokens`,
  );
  out.push(
    `- JWKS fetches: ${jwksFetches}, bound ${jwksBound} = ⌈${durationSeconds.toFixed(1)} s/cacheMaxAge⌉ + 1 + ⌈flood-on ${floodOnSeconds.toFixed(1)} s/cooldown⌉ + ` +
      `${floods.length} floods + ⌈fault-on ${faultOnSeconds.toFixed(1)} s/cooldown⌉ + ${chaos.faultsStarted} faults + 2 × ${chaos.rotations} rotations + 2 ` +
      `(the rougher duration/cooldown + rotations + toggles = ${roughBound}); discovery after warm-up: ${discoveryFetches}`,
  );
  out.push(
    `- heap used after GC: ${mb(heapBefore)} after warm-up → ${mb(heapAfter)} at the end (${growth >= 0 ? '+' : ''}${mb(growth)}, ` +
      `over ${measuredRequests} requests; bound +${mb(HEAP_GROWTH_BOUND)})` +
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
  process.stdout.write(`${out.join('\n')}\n`);
}

/** With --verbose: every JWKS response, fault, flood and key event, in time order, to stderr. */
export function printTimeline() {
  const at = (t) => (t === undefined ? '…' : secs(t - runStart));
  const events = [
    ...jwksLog.map((f) => [f.end, `JWKS response (requested ${at(f.started)}) ${f.ok ? `ok, ${f.kids.size} keys` : 'failed'}`]),
    ...faults.map((f) => [f.on, `fault ${f.kind} until ${at(f.off)}`]),
    ...floods.map((f) => [f.on, `flood until ${at(f.off)}`]),
    ...[...keyInfo].flatMap(([kid, info]) => [
      ...(Number.isFinite(info.publishedAt) ? [[info.publishedAt, `published ${kid.slice(0, 8)}`]] : []),
      ...(info.retiredAt !== undefined ? [[info.retiredAt, `retired ${kid.slice(0, 8)}`]] : []),
    ]),
  ].sort((a, b) => a[0] - b[0]);
  for (const [t, text] of events) process.stderr.write(`  ${at(t).padStart(7)} s  ${text}\n`);
}
