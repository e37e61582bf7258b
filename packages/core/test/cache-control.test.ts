// Reading a response's freshness from its caching headers (RFC 9111 section 4.2), and holding it within bounds.
import { describe, expect, it } from 'vitest';
import { freshFor, responseLifetime } from '../src/lib/cache-control.js';

const NOW = Date.parse('2026-01-01T00:00:00Z');
const lifetime = (headers: Record<string, string>) => responseLifetime(new Headers(headers), NOW);

describe('responseLifetime', () => {
  it('reads max-age, case-insensitively, quoted or not, among other directives', () => {
    expect(lifetime({ 'cache-control': 'public, max-age=300, must-revalidate' })).toBe(300);
    expect(lifetime({ 'cache-control': 'Max-Age="120"' })).toBe(120);
    expect(lifetime({ 'cache-control': 'public' })).toBeUndefined();
    expect(lifetime({})).toBeUndefined();
  });

  it('reads no-store, no-cache, a repeated or malformed max-age as stale (0)', () => {
    for (const value of ['no-store', 'no-cache', 'max-age=300, no-cache', 'max-age=60, max-age=600', 'max-age=-1', 'max-age=1e9', 'max-age']) {
      expect(lifetime({ 'cache-control': value }), value).toBe(0);
    }
  });

  it('ignores s-maxage (shared caches) and caps huge values at 2^31 seconds', () => {
    expect(lifetime({ 'cache-control': 's-maxage=600' })).toBeUndefined();
    expect(lifetime({ 'cache-control': 'max-age=99999999999999999999' })).toBe(2 ** 31);
  });

  it('subtracts Age, never below 0; an Age that is not a number is ignored', () => {
    expect(lifetime({ 'cache-control': 'max-age=300', age: '100' })).toBe(200);
    expect(lifetime({ 'cache-control': 'max-age=300', age: '900' })).toBe(0);
    expect(lifetime({ 'cache-control': 'max-age=300', age: 'old' })).toBe(300);
  });

  it('reads Expires against Date (else now) when there is no max-age; an invalid Expires is stale', () => {
    const date = 'Thu, 01 Jan 2026 00:00:00 GMT';
    expect(lifetime({ date, expires: 'Thu, 01 Jan 2026 00:02:00 GMT' })).toBe(120);
    expect(lifetime({ expires: 'Thu, 01 Jan 2026 00:05:00 GMT' })).toBe(300);
    expect(lifetime({ expires: 'Wed, 31 Dec 2025 00:00:00 GMT' })).toBe(0);
    expect(lifetime({ expires: '0' })).toBe(0);
    expect(lifetime({ 'cache-control': 'max-age=30', expires: 'Thu, 01 Jan 2026 00:05:00 GMT' })).toBe(30);
  });
});

describe('freshFor', () => {
  const bounds = { min: 60, max: 3600 };
  it('holds the response lifetime within the bounds, and falls back without headers or with bounds off', () => {
    const at = (headers: Record<string, string>, policy = { fallback: 600, bounds } as Parameters<typeof freshFor>[2]) => freshFor(new Headers(headers), NOW, policy);
    expect(at({ 'cache-control': 'max-age=300' })).toBe(300);
    expect(at({ 'cache-control': 'max-age=0' })).toBe(60);
    expect(at({ 'cache-control': 'max-age=31536000' })).toBe(3600);
    expect(at({})).toBe(600);
    expect(at({ 'cache-control': 'max-age=300' }, { fallback: 600, bounds: false })).toBe(600);
  });
});
