// Parses durations given as seconds (number) or as text such as '30s', '10m', '1h', '2d'.

const UNITS: Record<string, number> = { ms: 0.001, s: 1, sec: 1, secs: 1, m: 60, min: 60, mins: 60, h: 3600, hr: 3600, hrs: 3600, d: 86_400, day: 86_400, days: 86_400 };
const PATTERN = /^(\d+(?:\.\d+)?)\s*([a-z]+)?$/i;

/**
 * Seconds in a duration option (`Duration`: a number of seconds, or text such as `'500ms'`, `'30s'`,
 * `'10m'`, `'1h'`, `'2d'`), or `undefined` when `value` is not one. For packages built on tollgate that
 * take durations the same way.
 * @param value - seconds, or a number with a unit
 * @example parseSeconds('1.5s') // 1.5
 */
export function parseSeconds(value: number | string): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  const match = PATTERN.exec(value.trim());
  if (!match) return undefined;
  const factor = match[2] ? UNITS[match[2].toLowerCase()] : 1;
  return factor === undefined ? undefined : Number(match[1]) * factor;
}
