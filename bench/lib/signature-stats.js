// Small statistics and formatting helpers shared by the signature-path benchmark's modules.

/** The median of a non-empty list of numbers. */
export const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** (max - min) / median: how far apart the rounds of one measurement were. */
export const spread = (values) => (Math.max(...values) - Math.min(...values)) / median(values);

/** Median of per-round ratios: each ratio compares two runs made close together in time. */
export const medianRatio = (values, reference) => median(values.map((value, i) => value / reference[i]));

export const fmtRate = (n) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(1));
export const fmtRatio = (r) => (Number.isFinite(r) ? `${r.toFixed(2)}×` : '–');
export const fmtPercent = (r) => `±${Math.round((r * 100) / 2)}%`;
