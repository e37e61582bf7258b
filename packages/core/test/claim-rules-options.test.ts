// Claim rule sets are validated at startup: every way of writing one slightly wrong is a TollgateConfigError naming it.
import { describe, expect, it } from 'vitest';
import { createGuard, createVerifier, DefaultConfiguration, defineMiddleware, TollgateConfigError, validateClaimRules, type ClaimRuleSet } from '../src/index.js';

const base = { issuer: 'https://auth.example.com/', audience: 'https://api.example.com' };
const verifierError = (claims: unknown): string => {
  try {
    createVerifier({ ...base, claims: claims as ClaimRuleSet });
  } catch (error) {
    expect(error).toBeInstanceOf(TollgateConfigError);
    return (error as Error).message;
  }
  throw new Error('no configuration error');
};
const routeError = (claims: unknown): string => {
  try {
    validateClaimRules(claims as ClaimRuleSet, 'requireClaims');
  } catch (error) {
    expect(error).toBeInstanceOf(TollgateConfigError);
    return (error as Error).message;
  }
  throw new Error('no configuration error');
};

describe('the claims option', () => {
  it.each<[string, unknown, RegExp]>([
    ['an empty rule set', {}, /claims: names no claim rule/],
    ['an empty list', [], /claims: is an empty list/],
    ['an empty rule object', { tier: {} }, /claims\.tier: is an empty rule/],
    ['an empty oneOf', { tier: { oneOf: [] } }, /claims\.tier\.oneOf: is empty/],
    ['an empty includesAll', { groups: { includesAll: [] } }, /claims\.groups\.includesAll: is empty/],
    ['an unknown operator (a typo)', { tier: { oneof: ['gold'] } }, /claims\.tier: "oneof" is not a claim rule operator/],
    ['two operators in one rule', { tier: { equals: 'a', oneOf: ['b'] } }, /claims\.tier: gives equals and oneOf; give one operator/],
    ['an undefined value (an unset environment variable)', { tenant: undefined }, /claims\.tenant: has no value/],
    ['a null value', { tenant: null }, /claims\.tenant: has no value/],
    ['an empty string', { tenant: '' }, /claims\.tenant: is an empty string/],
    ['NaN', { level: Number.NaN }, /claims\.level: must be a finite number/],
    ['an array as a rule', { groups: ['admin'] }, /claims\.groups: is an array; say how to compare/],
    ['a function as a rule on one claim', { tenant: () => true }, /claims\.tenant: is a function; a validator goes beside the rules/],
    ['a boolean to include', { groups: { includes: true } }, /claims\.groups\.includes: must be a non-empty string or a finite number/],
    ['an object in a oneOf list', { tier: { oneOf: ['gold', { a: 1 }] } }, /claims\.tier\.oneOf\.1: must be/],
    ['an empty claim name', { '': 'x' }, /a claim name is empty/],
    ['a rule on exp', { exp: 1 }, /claims\.exp: no claim rule on exp: tollgate checks exp itself/],
    ['a rule on nbf', { nbf: 1 }, /no claim rule on nbf/],
    ['a rule on iat', { iat: 1 }, /no claim rule on iat/],
    ['a rule on iss (the issuer option says it)', { iss: 'https://auth.example.com/' }, /no claim rule on iss: the issuer option/],
    ['a rule on aud (the audience option says it)', { aud: { includes: 'x' } }, /no claim rule on aud: the audience option/],
    ['a rule on scope', { scope: { includes: 'orders:read' } }, /no claim rule on scope: scopes are required with requireScope/],
    ['a rule on scp', { scp: { includes: 'orders:read' } }, /no claim rule on scp/],
    ['a string', 'tenant', /claims: expected claim rules/],
    ['null', null, /claims: expected claim rules/],
    ['a number in a list', [{ tenant: 'acme' }, 3], /claims\.1: expected claim rules/],
    ['an empty rule set in a list', [{ tenant: 'acme' }, {}], /claims\.1: names no claim rule/],
  ])('refuses %s', (_name, claims, message) => {
    expect(verifierError(claims)).toMatch(message);
  });

  it('names every problem at once', () => {
    const message = verifierError({ tier: { oneOf: [] }, tenant: '', exp: 1 });
    expect(message).toMatch(/tier\.oneOf/);
    expect(message).toMatch(/tenant/);
    expect(message).toMatch(/exp/);
  });

  it('accepts rules, a validator, and a list of both, and resolves them frozen', () => {
    const notRevoked = () => true;
    const verifier = createVerifier({ ...base, claims: [{ tenant: 'acme', tier: { oneOf: ['gold', 'gold', 1] }, groups: { includes: 'admin' } }, notRevoked, () => true] });
    const claims = verifier.options.claims!;
    expect(Object.isFrozen(claims) && Object.isFrozen(claims.rules) && Object.isFrozen(claims.rules[0])).toBe(true);
    expect(claims.rules.map((r) => [r.claim, r.kind, r.values])).toEqual([
      ['tenant', 'equals', ['acme']],
      ['tier', 'oneOf', ['gold', 1]],
      ['groups', 'includes', ['admin']],
    ]);
    expect(claims.validators.map((v) => v.name)).toEqual(['notRevoked', 'validator#2']);
  });

  it('accepts a validator alone', () => {
    expect(createVerifier({ ...base, claims: async () => true }).options.claims?.validators).toHaveLength(1);
  });

  it('has no claims when the option is absent', () => {
    expect(createVerifier(base).options.claims).toBeUndefined();
  });
});

describe('route-level claim rules', () => {
  it('allow iss and aud: one route may narrow the verifier to one of its issuers or audiences', () => {
    expect(validateClaimRules({ iss: 'https://a.example.com/', aud: { includes: 'https://api.example.com' } }, 'requireClaims').rules).toHaveLength(2);
  });

  it.each<[string, unknown, RegExp]>([
    ['no rule set (undefined)', undefined, /requireClaims: invalid claim rules\n {2}- \(rules\): expected claim rules/],
    ['an empty rule set', {}, /names no claim rule/],
    ['a rule on exp', { exp: 1 }, /no claim rule on exp/],
    ['a rule on scope', { scope: 'a' }, /no claim rule on scope/],
  ])('refuse %s', (_name, claims, message) => {
    expect(routeError(claims)).toMatch(message);
  });

  it('createGuard refuses claims given as undefined, not reading it as "no rule"', () => {
    const defaults = new DefaultConfiguration('@tollgate/test');
    expect(() => createGuard(defaults, { claims: undefined, name: 'requireClaims' })).toThrow(/requireClaims: invalid claim rules/);
  });

  it('requireClaims takes exactly one rule set: none, or a second one that would be dropped, is a startup error', () => {
    const { requireClaims } = defineMiddleware(new DefaultConfiguration('@tollgate/test'), (guard) => guard);
    expect(() => (requireClaims as (...args: unknown[]) => unknown)()).toThrow(/requireClaims: expected one rule set/);
    expect(() => (requireClaims as (...args: unknown[]) => unknown)({ a: 'x' }, { b: 'y' })).toThrow(/got 2 arguments/);
    expect(() => requireClaims({})).toThrow(TollgateConfigError);
    expect(typeof requireClaims({ tenant: 'acme' })).toBe('function');
  });
});
