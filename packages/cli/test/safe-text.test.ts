import { describe, expect, it } from 'vitest';
import { displayValue, redactTokens, safeJson, safeText } from '../src/lib/safe-text.js';

describe('safeText', () => {
  it('escapes C0 and C1 controls, DEL, line separators and bidi overrides; leaves other text alone', () => {
    expect(safeText('a\u001b[2Jb\u0007\u007f\u009b\n\u2028\u202e\u2066')).toBe('a\\u001b[2Jb\\u0007\\u007f\\u009b\\u000a\\u2028\\u202e\\u2066');
    expect(safeText('café ✓ 東京 "q"')).toBe('café ✓ 東京 "q"');
  });
});

describe('displayValue', () => {
  it('shows strings as they are and other values as JSON', () => {
    expect(displayValue('x')).toBe('x');
    expect(displayValue(['a', 1])).toBe('["a",1]');
    expect(displayValue({ a: '\u001b' })).toBe('{"a":"\\u001b"}');
  });
});

describe('safeJson', () => {
  it('stays valid JSON with the same values while escaping what JSON.stringify leaves raw', () => {
    const value = { s: 'x\u202ey\u0085z\u2028' };
    const json = safeJson(value);
    expect(json).not.toMatch(/[\u202e\u0085\u2028]/);
    expect(JSON.parse(json)).toEqual(value);
  });
});

describe('redactTokens', () => {
  it('replaces JWT-shaped text, keeps everything else', () => {
    expect(redactTokens("issuer: 'eyJhbGciOi.eyJzdWIiOi.c2lnbmF0' is not an absolute URL")).toBe("issuer: '<token>' is not an absolute URL");
    expect(redactTokens('https://auth.example.com/ and api.example.com')).toBe('https://auth.example.com/ and api.example.com');
  });
});
