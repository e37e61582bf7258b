// Small statistics and formatting helpers shared by the signature-path benchmark's modules.

import { median } from './rounds.js';
import { fmtRate } from './results-table.js';

export { fmtRate, median };

/** (max - min) / median: how far apart the rounds of one measurement were. */
export const spread = (values) => (Math.max(...values) - Math.min(...values)) / median(values);

/** Median of per-round ratios: each ratio compares two runs made close together in time. */
export const medianRatio = (values, reference) => median(values.map((value, i) => value / reference[i]));

export const fmtRatio = (r) => (Number.isFinite(r) ? `${r.toFixed(2)}×` : '–');
export const fmtPercent = (r) => `±${Math.round((r * 100) / 2)}%`;
