// The results table (Markdown) and the header and notes that go with it.
import os from 'node:os';

import { CONFIG, QUICK } from './bench-options.js';

const fmtOps = (n) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(1));
const fmtRatio = (r) => {
  if (!Number.isFinite(r)) return '–';
  if (r >= 100) return `${Math.round(r)}×`;
  if (r >= 10) return `${r.toFixed(1)}×`;
  if (r >= 0.1) return `${r.toFixed(2)}×`;
  return `${r.toPrecision(2)}×`; // keep two significant digits for the very small ratios
};

export function renderTable(rows) {
  const lines = [
    '| library | scenario | ops/s | relative to tollgate | relative to tollgate (cache: false) | spread |',
    '|---|---|--:|--:|--:|--:|',
  ];
  for (const row of rows) {
    lines.push(
      `| ${row.library} | ${row.scenario} | ${fmtOps(row.opsPerSec)} | ${fmtRatio(row.relative)} | ${fmtRatio(row.relativeNoCache)} | ±${Math.round((row.spread * 100) / 2)}% |`,
    );
  }
  return lines.join('\n');
}

/**
 * The run's report: the machine and the method, the table, and a note per library. `libs` are all the
 * rows' libraries (the HTTP ceiling included).
 */
export function renderReport(rows, libs) {
  const cpus = os.cpus();
  const header =
    `Node ${process.version} · ${cpus[0]?.model?.trim() ?? 'unknown CPU'} (${cpus.length} logical cores) · ${new Date().toISOString()} · ` +
    `${QUICK ? 'quick' : 'full'} mode · ${CONFIG.rounds} rounds, median · N: same token ×${CONFIG.repeated}, ` +
    `distinct ${CONFIG.distinct}/round, HTTP ${CONFIG.http} requests/round at concurrency ${CONFIG.concurrency}`;
  const notes = [
    '',
    '"relative to tollgate" = library ops/s ÷ tollgate ops/s, median of per-round ratios (1.00× = tollgate; 0.25× = a quarter of the throughput, i.e. 4× the time per op; >1 = faster than tollgate).',
    '"spread" = (max − min) / median of the per-round ops/s, halved.',
    'Function-level rows call each library directly (Express middlewares with a fake req); HTTP rows go through Express 5 on 127.0.0.1 with a keep-alive node:http client in the same process.',
    '',
    ...libs.map((lib) => `- **${lib.name}**: ${lib.note}`),
  ];
  return `${header}\n\n${renderTable(rows)}\n${notes.join('\n')}\n`;
}
