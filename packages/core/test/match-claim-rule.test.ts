// The declarative claim-rule matcher: its semantics case by case, then a fuzz run against a reference oracle.
import { describe, expect, it } from 'vitest';
import { validateClaimRules, type ClaimValue, type ResolvedClaimRule } from '../src/index.js';
import { firstFailedRule, matchClaimRule } from '../src/lib/match-claim-rule.js';

const rule = (kind: ResolvedClaimRule['kind'], ...values: ClaimValue[]): ResolvedClaimRule => ({ claim: 'c', kind, values });

describe('matchClaimRule', () => {
  it.each([
    ['equals a string', rule('equals', 'acme'), 'acme', true],
    ['equals: another string', rule('equals', 'acme'), 'acme2', false],
    ['equals: the same text as a number is not equal', rule('equals', 1), '1', false],
    ['equals: a number', rule('equals', 1), 1, true],
    ['equals: true is not "true"', rule('equals', true), 'true', false],
    ['equals: an array holding the value is not the value', rule('equals', 'acme'), ['acme'], false],
    ['equals: an object with the value is not the value', rule('equals', 'acme'), { toString: 'acme' }, false],
    ['equals: absent', rule('equals', 'acme'), undefined, false],
    ['equals: null', rule('equals', 'acme'), null, false],
    ['oneOf: a listed value', rule('oneOf', 'gold', 'silver'), 'silver', true],
    ['oneOf: an unlisted value', rule('oneOf', 'gold', 'silver'), 'bronze', false],
    ['oneOf: an array of a listed value', rule('oneOf', 'gold'), ['gold'], false],
    ['includes: an array member', rule('includes', 'admin'), ['dev', 'admin'], true],
    ['includes: a word of a space-delimited string', rule('includes', 'admin'), 'dev  admin', true],
    ['includes: a prefix of a word is not the word', rule('includes', 'admin'), 'administrators', false],
    ['includes: a substring across words is not a word', rule('includes', 'a b'), 'a b', false],
    ['includes: a number member', rule('includes', 7), [7, 8], true],
    ['includes: a number is not its text', rule('includes', 7), ['7'], false],
    ['includes: nested arrays are not flattened', rule('includes', 'admin'), [['admin']], false],
    ['includes: an object claim has no members', rule('includes', 'admin'), { admin: true }, false],
    ['includes: absent', rule('includes', 'admin'), undefined, false],
    ['includesAll: all present', rule('includesAll', 'a', 'b'), ['b', 'a', 'c'], true],
    ['includesAll: one missing', rule('includesAll', 'a', 'b'), 'a c', false],
    ['includesAny: one present', rule('includesAny', 'a', 'b'), 'x b', true],
    ['includesAny: none present', rule('includesAny', 'a', 'b'), ['x'], false],
  ])('%s', (_name, r, value, expected) => {
    expect(matchClaimRule(r, value)).toBe(expected);
  });

  it('an unknown operator admits nothing', () => {
    expect(matchClaimRule({ claim: 'c', kind: 'unknown' as 'equals', values: ['x'] }, 'x')).toBe(false);
  });

  it('reads only own properties of the claims: constructor and __proto__ never come from the prototype', () => {
    const rules = validateClaimRules({ constructor: { includes: 'x' }, toString: 'x' }, 'test');
    expect(firstFailedRule(rules, {})).toEqual({ kind: 'includes', claim: 'constructor' });
    const own = JSON.parse('{"constructor":["x"],"toString":"x"}') as Record<string, unknown>;
    expect(firstFailedRule(rules, own)).toBeUndefined();
  });

  it('names the first failed rule by claim and kind, never by value', () => {
    const rules = validateClaimRules({ tenant: 'acme', tier: { oneOf: ['gold'] } }, 'test');
    expect(firstFailedRule(rules, { tenant: 'acme', tier: 'bronze' })).toEqual({ kind: 'oneOf', claim: 'tier' });
    expect(JSON.stringify(firstFailedRule(rules, { tenant: 'evil', tier: 'gold' }))).not.toMatch(/acme|evil|gold/);
  });
});

// ---- fuzz -------------------------------------------------------------------------------------------

/** A small deterministic PRNG (mulberry32), so a failure can be replayed from its seed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = ['a', 'b', 'admin', 'Admin', '1', 'true', '', ' ', 'a b', '__proto__', 'constructor', 'é', '\u0000'];

function randomValue(next: () => number, depth = 0): unknown {
  const pick = <T,>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
  switch (Math.floor(next() * (depth > 2 ? 6 : 8))) {
    case 0:
      return pick(WORDS);
    case 1:
      return pick([0, 1, -1, 1.5, 1e308, -0, 7]);
    case 2:
      return next() < 0.5;
    case 3:
      return null;
    case 4:
      return undefined;
    case 5:
      return Array.from({ length: Math.floor(next() * 3) }, () => pick(WORDS)).join(' ');
    case 6:
      return Array.from({ length: Math.floor(next() * 4) }, () => randomValue(next, depth + 1));
    default:
      return Object.fromEntries(Array.from({ length: Math.floor(next() * 3) }, () => [pick(WORDS), randomValue(next, depth + 1)]));
  }
}

/** The reference semantics, written independently of the matcher: what may pass, and nothing else. */
function oracle(r: ResolvedClaimRule, value: unknown): boolean {
  const primitive = typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
  const members: unknown[] = Array.isArray(value) ? value : typeof value === 'string' ? value.split(' ').filter(Boolean) : [];
  const has = (wanted: unknown) => members.some((member) => member === wanted);
  switch (r.kind) {
    case 'equals':
      return primitive && value === r.values[0];
    case 'oneOf':
      return primitive && r.values.some((v) => v === value);
    case 'includes':
      return has(r.values[0]);
    case 'includesAll':
      return r.values.every(has);
    case 'includesAny':
      return r.values.some(has);
  }
}

describe('matchClaimRule fuzz', () => {
  it('never throws and agrees with the oracle on 20000 random rules and claim values of every JSON type', () => {
    const next = random(17);
    const kinds: ResolvedClaimRule['kind'][] = ['equals', 'oneOf', 'includes', 'includesAll', 'includesAny'];
    const configValues: ClaimValue[] = ['a', 'b', 'admin', '1', 'true', 'a b', '__proto__', 1, 0, 7, true, false];
    let passes = 0;
    for (let i = 0; i < 20000; i++) {
      const kind = kinds[Math.floor(next() * kinds.length)]!;
      const count = kind === 'equals' || kind === 'includes' ? 1 : 1 + Math.floor(next() * 3);
      const values = Array.from({ length: count }, () => configValues[Math.floor(next() * configValues.length)]!);
      const r: ResolvedClaimRule = { claim: 'c', kind, values };
      const value = randomValue(next);
      const expected = oracle(r, value);
      let actual: boolean | undefined;
      expect(() => (actual = matchClaimRule(r, value)), `seed 17, case ${i}`).not.toThrow();
      expect(actual, `case ${i}: ${kind} ${JSON.stringify(values)} against ${JSON.stringify(value)}`).toBe(expected);
      if (actual) passes += 1;
    }
    // The generator must reach both outcomes, or the run proves nothing.
    expect(passes).toBeGreaterThan(200);
    expect(passes).toBeLessThan(19500);
  });

  it('firstFailedRule never throws on random claim sets, frozen or hostile', () => {
    const next = random(4242);
    const rules = validateClaimRules({ tenant: 'acme', groups: { includes: 'admin' }, tier: { oneOf: [1, 'gold'] }, constructor: { includesAny: ['a'] } }, 'fuzz');
    for (let i = 0; i < 5000; i++) {
      const claims = Object.freeze(randomValue(next, 2) ?? {}) as Record<string, unknown>;
      const source = typeof claims === 'object' ? claims : {};
      expect(() => firstFailedRule(rules, source)).not.toThrow();
      // Only a claim set with every rule's claim as its own property could pass.
      if (firstFailedRule(rules, source) === undefined) expect(Object.hasOwn(source, 'tenant') && source.tenant === 'acme').toBe(true);
    }
  });
});
