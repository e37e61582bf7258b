import { describe, expect, it } from 'vitest';
import type { AccessToken } from '../src/index.js';
import { TokenCache, type CachedVerification } from '../src/lib/token-cache.js';

// The cache only stores and hands back entries; their content is opaque to it.
const entry = (token: string, generation = 1): CachedVerification => ({ accessToken: { token } as unknown as AccessToken, generation });
const keys = (cache: TokenCache, candidates: string[]) => candidates.filter((token) => cache.get(token) !== undefined);

describe('TokenCache', () => {
  it('returns what was stored, and undefined for an unknown token', () => {
    const cache = new TokenCache(10);
    const a = entry('a');
    cache.set('a', a);
    expect(cache.get('a')).toBe(a);
    expect(cache.get('b')).toBeUndefined();
  });

  it('never holds more than maxEntries', () => {
    const cache = new TokenCache(3);
    for (const token of ['a', 'b', 'c', 'd', 'e']) cache.set(token, entry(token));
    expect(cache.size).toBe(3);
  });

  it('evicts the least recently inserted entry when nothing was read', () => {
    const cache = new TokenCache(2);
    cache.set('a', entry('a'));
    cache.set('b', entry('b'));
    cache.set('c', entry('c'));
    expect(keys(cache, ['a', 'b', 'c'])).toEqual(['b', 'c']);
  });

  it('a read makes an entry the most recently used, so the other one is evicted', () => {
    const cache = new TokenCache(2);
    cache.set('a', entry('a'));
    cache.set('b', entry('b'));
    cache.get('a');
    cache.set('c', entry('c'));
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')?.accessToken.token).toBe('a');
    expect(cache.get('c')?.accessToken.token).toBe('c');
  });

  it('re-setting a token replaces its entry, refreshes it and does not grow the cache', () => {
    const cache = new TokenCache(2);
    cache.set('a', entry('a', 1));
    cache.set('b', entry('b'));
    cache.set('a', entry('a', 2));
    expect(cache.size).toBe(2);
    cache.set('c', entry('c'));
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')?.generation).toBe(2);
  });

  it('evicts in least-recently-used order over a longer sequence', () => {
    const cache = new TokenCache(3);
    for (const token of ['a', 'b', 'c']) cache.set(token, entry(token));
    cache.get('a'); // order: b c a
    cache.get('b'); // order: c a b
    cache.set('d', entry('d')); // evicts c
    cache.set('e', entry('e')); // evicts a
    expect(keys(cache, ['a', 'b', 'c', 'd', 'e'])).toEqual(['b', 'd', 'e']);
  });

  it('an entry read at least once per maxEntries / 2 insertions is never evicted, and the cache stays bounded', () => {
    const cache = new TokenCache(10);
    cache.set('hot', entry('hot'));
    for (let i = 0; i < 1000; i++) {
      cache.set(`cold${i}`, entry(`cold${i}`));
      if (i % 5 === 4) expect(cache.get('hot')?.accessToken.token).toBe('hot');
    }
    expect(cache.size).toBe(10);
    // Read less often than that, it is evicted like any other entry.
    for (let i = 0; i < 10; i++) cache.set(`later${i}`, entry(`later${i}`));
    expect(cache.get('hot')).toBeUndefined();
  });

  it('delete removes an entry', () => {
    const cache = new TokenCache(2);
    cache.set('a', entry('a'));
    cache.delete('a');
    expect(cache.get('a')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('stores nothing when maxEntries is 0 (cache: false)', () => {
    const cache = new TokenCache(0);
    cache.set('a', entry('a'));
    expect(cache.size).toBe(0);
    expect(cache.get('a')).toBeUndefined();
  });
});
