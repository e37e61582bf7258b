// Markdown tables: one per scenario, raw rates with ratios to chosen reference rows, n/a rows kept visible.
import { median, ratio, spread } from './rounds.js';

/** A rate for a table: thousands separators from 100 up, one decimal below. */
export const fmtRate = (n) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(1));

/** A ratio with two significant digits at least, e.g. 0.0094×, 0.87×, 12.3×, 431×. */
export const fmtRatio = (r) => {
  if (!Number.isFinite(r)) return '–';
  if (r >= 100) return `${Math.round(r)}×`;
  if (r >= 10) return `${r.toFixed(1)}×`;
  if (r >= 0.1) return `${r.toFixed(2)}×`;
  return `${r.toPrecision(2)}×`;
};

/** Bytes as MiB with one decimal. */
export const fmtMiB = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/** A generic Markdown table from a header row and string cells. */
export function markdownTable(header, rows, align = header.map((_, i) => (i === 0 ? '---' : '--:'))) {
  return [`| ${header.join(' | ')} |`, `|${align.join('|')}|`, ...rows.map((cells) => `| ${cells.join(' | ')} |`)].join('\n');
}

/**
 * One scenario's table. `rows`: `{ name, label?, na? }` in display order (`na`: why the row could not
 * run); `columns`: `{ header, reference }`, each a ratio to the reference row's rate (`reference` is a
 * row name, or a function of the row giving one); `unit`: e.g. 'ops/s'.
 */
export function scenarioTable(result, { rows, columns, unit }) {
  const header = ['', unit, ...columns.map((column) => column.header), 'spread'];
  const cells = rows.map((row) => {
    const label = row.label ?? row.name;
    const rates = result.rates.get(row.name);
    if (row.na || !rates) return [label, `n/a: ${row.na ?? 'not run'}`, ...columns.map(() => ''), ''];
    return [label, fmtRate(median(rates)), ...columns.map((column) => fmtRatio(ratio(result, row.name, typeof column.reference === 'function' ? column.reference(row) : column.reference))), `±${Math.round(spread(rates) * 100)}%`];
  });
  return `**${result.title}**\n\n${markdownTable(header, cells)}`;
}
