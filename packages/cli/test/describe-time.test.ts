import { describe, expect, it } from 'vitest';
import { describeDuration, describeTimeClaim, formatInstant, relativeTime } from '../src/describe-time.js';

const now = Date.parse('2026-11-23T18:36:00Z');
const at = (offsetSeconds: number) => now / 1000 + offsetSeconds;

describe('describeDuration', () => {
  it.each([
    [0, '0 s'],
    [1, '1 s'],
    [89, '89 s'],
    [90, '2 min'],
    [250, '4 min'],
    [89 * 60, '89 min'],
    [90 * 60, '2 h'],
    [47 * 3600, '47 h'],
    [48 * 3600, '2 days'],
    [400 * 86_400, '400 days'],
    [730 * 86_400, '2 years'],
    [-250, '4 min'],
  ])('words %d s as %s', (seconds, words) => {
    expect(describeDuration(seconds)).toBe(words);
  });
});

describe('formatInstant', () => {
  it('prints whole seconds without milliseconds, and keeps milliseconds when present', () => {
    expect(formatInstant(1795459200)).toBe('2026-11-23T18:40:00Z');
    expect(formatInstant(1795459200.25)).toBe('2026-11-23T18:40:00.250Z');
  });

  it('gives undefined for what is not a NumericDate within Date range', () => {
    for (const value of ['1795459200', null, Number.NaN, Number.POSITIVE_INFINITY, 9e12, -9e12, undefined]) {
      expect(formatInstant(value)).toBeUndefined();
    }
  });
});

describe('relativeTime', () => {
  it.each([
    ['exp', 240, 'expires in 4 min'],
    ['exp', -7200, 'expired 2 h ago'],
    ['exp', 0, 'expired just now'],
    ['exp', 0.5, 'expired just now'],
    ['nbf', -300, 'valid since 5 min ago'],
    ['nbf', 180, 'not valid for another 3 min'],
    ['nbf', 0, 'valid from now'],
    ['iat', -60, 'issued 60 s ago'],
    ['iat', 120, 'issued 2 min in the future'],
    ['iat', 0, 'issued just now'],
  ] as const)('%s at now%+d s reads "%s"', (claim, offset, words) => {
    expect(relativeTime(claim, at(offset), now)).toBe(words);
  });
});

describe('describeTimeClaim', () => {
  it('joins the instant and the relative wording', () => {
    expect(describeTimeClaim('exp', 1795459200, now)).toBe('2026-11-23T18:40:00Z (expires in 4 min)');
  });

  it('escapes a value that is not a NumericDate: bidi and zero-width characters survive JSON.stringify', () => {
    expect(describeTimeClaim('exp', 'soon\u202e\u200b\u061c', now)).toBe('"soon\\u202e\\u200b\\u061c" (not a NumericDate)');
  });

  it('shows a value that is not a NumericDate as it is', () => {
    expect(describeTimeClaim('exp', '1795459200', now)).toBe('"1795459200" (not a NumericDate)');
    expect(describeTimeClaim('nbf', 1e20, now)).toBe('100000000000000000000 (not a NumericDate)');
  });
});
