import { describe, expect, it } from 'vitest';
import { assertScopes, hasScopes, InsufficientScopeError, readScopes, TollgateConfigError, validateScopes } from '../src/index.js';

const token = { scopes: ['orders:read', 'orders:write', 'profile'] } as const;

describe('hasScopes', () => {
  it('mode all (the default) needs every scope', () => {
    expect(hasScopes(token, ['orders:read', 'orders:write'])).toBe(true);
    expect(hasScopes(token, ['orders:read', 'admin'])).toBe(false);
    expect(hasScopes(token, ['orders:read', 'admin'], { mode: 'all' })).toBe(false);
  });

  it('mode any needs one scope', () => {
    expect(hasScopes(token, ['admin', 'profile'], { mode: 'any' })).toBe(true);
    expect(hasScopes(token, ['admin', 'billing'], { mode: 'any' })).toBe(false);
  });

  it('an empty list is always satisfied, in both modes', () => {
    expect(hasScopes(token, [])).toBe(true);
    expect(hasScopes(token, [], { mode: 'any' })).toBe(true);
    expect(hasScopes({ scopes: [] }, [])).toBe(true);
  });

  it('a token without scopes satisfies no non-empty list', () => {
    expect(hasScopes({ scopes: [] }, ['orders:read'])).toBe(false);
    expect(hasScopes({ scopes: [] }, ['orders:read'], { mode: 'any' })).toBe(false);
  });

  it('compares scopes exactly: no prefix, case or substring match', () => {
    expect(hasScopes(token, ['orders'])).toBe(false);
    expect(hasScopes(token, ['ORDERS:READ'])).toBe(false);
    expect(hasScopes(token, ['orders:read orders:write'])).toBe(false);
  });
});

describe('assertScopes', () => {
  it('returns when the token has the scopes', () => {
    expect(() => assertScopes(token, ['profile'])).not.toThrow();
  });

  it('throws a 403 InsufficientScopeError naming the required scopes', () => {
    let caught: unknown;
    try {
      assertScopes(token, ['orders:read', 'admin'], { realm: 'shop' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InsufficientScopeError);
    const error = caught as InsufficientScopeError;
    expect({ status: error.status, mode: error.mode, requiredScopes: error.requiredScopes, realm: error.realm }).toEqual({
      status: 403,
      mode: 'all',
      requiredScopes: ['orders:read', 'admin'],
      realm: 'shop',
    });
    expect(error.wwwAuthenticate()).toBe(
      'Bearer realm="shop", error="insufficient_scope", error_description="token lacks a required scope", scope="orders:read admin"',
    );
  });

  it('in mode any, throws with mode any', () => {
    expect(() => assertScopes(token, ['admin', 'billing'], { mode: 'any' })).toThrow('token lacks any of the required scopes');
  });
});

describe('validateScopes', () => {
  it('returns a frozen copy of valid scope names', () => {
    const scopes = ['orders:read', 'https://api.example.com/orders.read', 'a!#$%&\'()*+,-./:;<=>?@[]^_`{|}~'];
    const validated = validateScopes(scopes, 'requireScope');
    expect(validated).toEqual(scopes);
    expect(validated).not.toBe(scopes);
    expect(Object.isFrozen(validated)).toBe(true);
  });

  it('accepts an empty list', () => {
    expect(validateScopes([], 'requireScope')).toEqual([]);
  });

  const bad: [string, unknown][] = [
    ['a space (two scopes in one string)', 'orders:read orders:write'],
    ['an empty string', ''],
    ['a double quote', 'orders"read'],
    ['a backslash', 'orders\\read'],
    ['a non-ASCII character', 'commandes:lire-é'],
    ['a control character', 'orders\nread'],
    ['a non-string', 42],
  ];
  for (const [what, scope] of bad) {
    it(`rejects a scope with ${what}, naming where it was given`, () => {
      expect(() => validateScopes(['ok', scope as string], 'requireScope()')).toThrow(TollgateConfigError);
      expect(() => validateScopes(['ok', scope as string], 'requireScope()')).toThrow(
        new TollgateConfigError(
          `requireScope(): ${JSON.stringify(scope)} is not a valid scope (RFC 6749 section 3.3: printable ASCII, no spaces, quotes or backslashes)`,
        ),
      );
    });
  }
});

describe('readScopes', () => {
  it('reads scope (space-delimited) and scp (array or string), without duplicates, in order', () => {
    expect(readScopes({ scope: 'a  b', scp: ['b', 'c'] })).toEqual({ scopes: ['a', 'b', 'c'], valid: true });
    expect(readScopes({ scp: 'x y' })).toEqual({ scopes: ['x', 'y'], valid: true });
    expect(readScopes({})).toEqual({ scopes: [], valid: true });
  });

  it('reads scope as an array of scope names, as some issuers send it', () => {
    expect(readScopes({ scope: ['a', 'b'], scp: ['b', 'c'] })).toEqual({ scopes: ['a', 'b', 'c'], valid: true });
    expect(readScopes({ scope: [] })).toEqual({ scopes: [], valid: true });
  });

  it('flags scope claims a verifier refuses: scope neither a string nor an array of scope names, scp not a string or string array', () => {
    expect(readScopes({ scope: 7 }).valid).toBe(false);
    expect(readScopes({ scope: { a: true } }).valid).toBe(false);
    expect(readScopes({ scope: ['a', 1] })).toEqual({ scopes: [], valid: false });
    // One scope or two? Refused rather than guessed; an empty member is no scope-token (RFC 6749 section 3.3).
    expect(readScopes({ scope: ['a b'] })).toEqual({ scopes: [], valid: false });
    expect(readScopes({ scope: ['a', ''] })).toEqual({ scopes: [], valid: false });
    expect(readScopes({ scp: ['a', 1] })).toEqual({ scopes: [], valid: false });
    expect(readScopes({ scope: 'a', scp: { b: true } })).toEqual({ scopes: ['a'], valid: false });
  });
});
