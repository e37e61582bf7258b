import { describe, expect, it } from 'vitest';
import { readScopes } from '../src/read-scopes.js';

describe('readScopes', () => {
  it('reads scope (space-delimited) and scp (array or string), without duplicates, in order', () => {
    expect(readScopes({ scope: 'a  b', scp: ['b', 'c'] })).toEqual({ scopes: ['a', 'b', 'c'], valid: true });
    expect(readScopes({ scp: 'x y' })).toEqual({ scopes: ['x', 'y'], valid: true });
    expect(readScopes({})).toEqual({ scopes: [], valid: true });
  });

  it('flags scope claims of a type a verifier refuses', () => {
    expect(readScopes({ scope: 7 }).valid).toBe(false);
    expect(readScopes({ scp: ['a', 1] })).toEqual({ scopes: [], valid: false });
  });
});
