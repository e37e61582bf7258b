// The targets, checked against a run's results: reported as met / missed, never failing the run.
import { ratio } from './rounds.js';
import { fmtMiB, fmtRatio } from './results-table.js';

const FLOOR = 'node:crypto.verify (floor)';
const line = (met, text) => `- ${met ? '✅ met' : '❌ missed'}: ${text}`;

/**
 * One line per target. `functions`: runFunctionScenarios' output; `http`: [same, pool]; `coldStart`:
 * { functions, http } rows; `memory`: the probe's result.
 */
export function checkTargets({ functions, http, coldStart, memory }) {
  const lines = [];
  const [same] = http;
  const vsBare = ratio(same, 'Express 5 + tollgate', 'Express 5, no auth');
  const vsAuth0 = ratio(same, 'Express 5 + tollgate', 'Express 5 + express-oauth2-jwt-bearer');
  lines.push(line(vsBare >= 0.9, `Express + tollgate, one token reused: ${fmtRatio(vsBare)} of bare Express (target ≥ 0.9×)`));
  lines.push(line(vsAuth0 >= 1.6, `Express + tollgate, one token reused: ${fmtRatio(vsAuth0)} express-oauth2-jwt-bearer (target ≥ 1.6×)`));

  for (const { alg, rows, results } of functions) {
    const peers = rows.filter((row) => !row.na && !row.name.startsWith('tollgate') && row.name !== FLOOR);
    // Both ways of counting: one verification at a time (latency-bound), and several in flight (how an
    // HTTP server calls it; tollgate verifies on the thread pool, so it can use a second core there).
    for (const [label, result] of [['one at a time', results[1]], ['in flight', results[2]]]) {
      if (alg === 'RS256') {
        const floorRatio = ratio(result, FLOOR, 'tollgate');
        lines.push(line(floorRatio <= 1.5, `RS256 distinct tokens, ${label}: the crypto.verify floor is ${fmtRatio(floorRatio)} tollgate's rate (target: within 1.5×)`));
      }
      const behind = peers.filter((peer) => ratio(result, 'tollgate', peer.name) <= 1);
      const all = peers.map((peer) => `${peer.name} ${fmtRatio(ratio(result, 'tollgate', peer.name))}`).join(', ');
      lines.push(line(behind.length === 0, `${alg} distinct tokens, ${label}: tollgate ÷ each peer: ${all} (target: > 1× for every peer)`));
    }
  }

  for (const row of [...coldStart.functions, ...coldStart.http].filter((r) => r.name.includes('tollgate'))) {
    lines.push(line(row.fetches === 1 && row.accepted === row.count, `cold start, ${row.name}: ${row.fetches} JWKS fetch(es), ${row.accepted} of ${row.count} accepted (target: exactly 1 fetch, all accepted)`));
  }

  const valid = memory.checkpoints.filter((point) => point.phase.startsWith('unique valid'));
  const invalid = memory.checkpoints.filter((point) => point.phase.startsWith('unique invalid'));
  const growth = (points) => points.at(-1).heapUsed - points[0].heapUsed;
  // Bounded: from the first checkpoint on the cache is already full, so the heap may move by GC noise
  // but not with the number of tokens seen.
  const allowance = 1024 * 1024;
  lines.push(
    line(
      growth(invalid) <= allowance && growth(valid) <= allowance,
      `memory bounded: heap growth from the first to the last checkpoint: ${fmtMiB(growth(invalid))} over the invalid tokens, ${fmtMiB(growth(valid))} over the valid ones (target: under ${fmtMiB(allowance)})`,
    ),
  );
  return lines.join('\n');
}
