import { describe, expect, it } from 'vitest';
import { isAcceptedTokenType } from '../src/lib/token-type.js';

describe('isAcceptedTokenType', () => {
  const cases: Array<[unknown, boolean, boolean]> = [
    // typ, accepted by default, accepted in strict mode
    [undefined, true, false],
    ['at+jwt', true, true],
    ['AT+JWT', true, true],
    ['application/at+jwt', true, true],
    ['Application/AT+JWT', true, true],
    ['JWT', true, false],
    ['jwt', true, false],
    ['application/jwt', true, false],
    ['dpop+jwt', false, false],
    ['logout+jwt', false, false],
    ['secevent+jwt', false, false],
    ['token-introspection+jwt', false, false],
    ['at+jwt ', false, false],
    ['', false, false],
    [42, false, false],
    [null, false, false],
  ];
  for (const [typ, byDefault, strict] of cases) {
    it(`${JSON.stringify(typ)} is ${byDefault ? 'accepted' : 'refused'} by default and ${strict ? 'accepted' : 'refused'} in strict mode`, () => {
      expect(isAcceptedTokenType(typ, false)).toBe(byDefault);
      expect(isAcceptedTokenType(typ, true)).toBe(strict);
    });
  }
});
