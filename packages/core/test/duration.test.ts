import { describe, expect, it } from 'vitest';
import { parseSeconds } from '../src/lib/duration.js';

describe('parseSeconds', () => {
  const valid: [number | string, number][] = [
    [0, 0],
    [30, 30],
    [1.5, 1.5],
    ['0', 0],
    ['45', 45],
    ['30s', 30],
    ['30sec', 30],
    ['10m', 600],
    ['10min', 600],
    ['10 mins', 600],
    ['1h', 3600],
    ['2hrs', 7200],
    ['1.5h', 5400],
    ['2d', 172_800],
    ['1 day', 86_400],
    ['500ms', 0.5],
    ['10M', 600],
    ['  30s  ', 30],
  ];
  for (const [input, seconds] of valid) {
    it(`reads ${JSON.stringify(input)} as ${seconds} s`, () => {
      expect(parseSeconds(input)).toBe(seconds);
    });
  }

  const invalid: (number | string)[] = [-1, Number.NaN, Number.POSITIVE_INFINITY, '', ' ', '-5s', 'abc', '10x', '5 parsecs', '1e3', '10m30s', 's', '.5s', '1,5h'];
  for (const input of invalid) {
    it(`refuses ${JSON.stringify(input) ?? String(input)}`, () => {
      expect(parseSeconds(input)).toBeUndefined();
    });
  }
});
