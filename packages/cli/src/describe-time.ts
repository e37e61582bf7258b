// Human wording for the JWT time claims (exp, nbf, iat): an ISO instant and its distance from now.
import { safeText } from './lib/safe-text.js';

/** A JWT time claim (RFC 7519 section 4.1.4-4.1.6): NumericDate seconds since the epoch. */
export type TimeClaim = 'exp' | 'nbf' | 'iat';

// Date's range is +-8.64e15 ms (ECMA-262 section 21.4.1.22); beyond it there is no instant to print.
const MAX_DATE_SECONDS = 8.64e12;

/**
 * Words for a span of time, rounded to one unit: `12 s`, `4 min`, `2 h`, `3 days`, `5 years`.
 * The sign is ignored; callers say "in" or "ago".
 * @param seconds the span, in seconds
 * @example describeDuration(250) // '4 min'
 */
export function describeDuration(seconds: number): string {
  const s = Math.abs(seconds);
  if (s < 90) return `${Math.round(s)} s`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min`;
  if (s < 48 * 3600) return `${Math.round(s / 3600)} h`;
  if (s < 730 * 86_400) return `${Math.round(s / 86_400)} days`;
  return `${Math.round(s / (365.25 * 86_400))} years`;
}

/**
 * The instant of a NumericDate as `2026-11-23T18:40:00Z` (milliseconds only when there are some),
 * or `undefined` when it is not a finite number within Date's range.
 * @param seconds seconds since the epoch
 * @example formatInstant(1795459200) // '2026-11-23T18:40:00Z'
 * @see RFC 7519 section 2 (NumericDate)
 */
export function formatInstant(seconds: unknown): string | undefined {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || Math.abs(seconds) > MAX_DATE_SECONDS) return undefined;
  return new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
}

/**
 * How a time claim relates to now, in the words a person would use: `expires in 4 min`,
 * `expired 2 h ago`, `valid since 5 min ago`, `not valid for another 3 min`, `issued 1 min ago`.
 * @param claim which claim `seconds` is
 * @param seconds the claim's NumericDate
 * @param nowMs the current time, in milliseconds since the epoch
 * @example relativeTime('exp', nowSeconds + 240, nowMs) // 'expires in 4 min'
 */
export function relativeTime(claim: TimeClaim, seconds: number, nowMs: number): string {
  const delta = seconds - nowMs / 1000;
  const span = describeDuration(delta);
  // Under a second either way reads as "now"; exp equal to now is already expired (RFC 7519 section 4.1.4).
  const now = Math.abs(delta) < 1;
  switch (claim) {
    case 'exp':
      if (delta > 0 && !now) return `expires in ${span}`;
      return now ? 'expired just now' : `expired ${span} ago`;
    case 'nbf':
      if (now) return 'valid from now';
      return delta > 0 ? `not valid for another ${span}` : `valid since ${span} ago`;
    case 'iat':
      if (now) return 'issued just now';
      return delta > 0 ? `issued ${span} in the future` : `issued ${span} ago`;
  }
}

/**
 * A time claim as one readable line: the instant and its distance from now, or the value as JSON (made
 * safe to print) when it is not a NumericDate.
 * @param claim which claim `value` is
 * @param value the claim as found in the token
 * @param nowMs the current time, in milliseconds since the epoch
 * @example describeTimeClaim('exp', 1795459200, Date.parse('2026-11-23T18:36:00Z'))
 * // '2026-11-23T18:40:00Z (expires in 4 min)'
 */
export function describeTimeClaim(claim: TimeClaim, value: unknown, nowMs: number): string {
  const instant = formatInstant(value);
  // The value comes from the token: JSON.stringify escapes C0 controls but leaves bidi and zero-width characters.
  if (instant === undefined) return `${safeText(JSON.stringify(value) ?? String(value))} (not a NumericDate)`;
  return `${instant} (${relativeTime(claim, value as number, nowMs)})`;
}
