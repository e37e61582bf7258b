import { describe, expect, it } from 'vitest';
import { displayValue, redactTokens, safeJson, safeText } from '../src/lib/safe-text.js';

describe('safeText', () => {
  it('escapes C0 and C1 controls, DEL, line separators and bidi overrides; leaves other text alone', () => {
    expect(safeText('a\u001b[2Jb\u0007\u007f\u009b\n\u2028\u202e\u2066')).toBe('a\\u001b[2Jb\\u0007\\u007f\\u009b\\u000a\\u2028\\u202e\\u2066');
    expect(safeText('café ✓ 東京 "q"')).toBe('café ✓ 東京 "q"');
  });
});

// Every code point of general category Cc, Cf, Zl or Zp (invisible, or moving text around), and a sample of
// others that must stay as they are.
const UNSAFE_CATEGORIES = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;
const everyUnsafe = (): string[] => {
  const chars: string[] = [];
  for (let cp = 0; cp <= 0x10ffff; cp += 1) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    const char = String.fromCodePoint(cp);
    if (UNSAFE_CATEGORIES.test(char)) chars.push(char);
  }
  return chars;
};

describe('safeText: Unicode categories Cc, Cf, Zl and Zp', () => {
  it.each([
    ['Cc (C0, DEL, C1)', '\u0000\u001b\u007f\u0085\u009f'],
    ['Cf: ARABIC LETTER MARK, zero-width and bidi characters', '\u061c\u200b\u200c\u200d\u200e\u200f\u202a\u202e\u2060\u2061\u2066\u2069\ufeff'],
    ['Cf: soft hyphen, interlinear annotation, Mongolian vowel separator', '\u00ad\ufff9\ufffb\u180e\u0600'],
    ['Cf outside the BMP: tag characters, musical formatting', '\u{e0001}\u{e0041}\u{e007f}\u{1d173}\u{110bd}'],
    ['Zl: LINE SEPARATOR', '\u2028'],
    ['Zp: PARAGRAPH SEPARATOR', '\u2029'],
  ])('escapes %s', (_category, chars) => {
    const escaped = safeText(`a${chars}b`);
    expect(escaped).toMatch(/^a(\\u[0-9a-f]{4})+b$/);
    // The escapes are UTF-16 code units, as in JSON: parsing them gives the characters back.
    expect(JSON.parse(`"${escaped}"`)).toBe(`a${chars}b`);
  });

  it('leaves no character of those categories anywhere in the output, and other text alone', () => {
    const unsafe = everyUnsafe();
    expect(unsafe.length).toBeGreaterThan(200);
    const escaped = safeText(unsafe.join(''));
    expect(escaped).toMatch(/^(\\u[0-9a-f]{4})+$/);
    const other = 'café ✓ 東京 "q" \u0301 \u{1f600} \u00a0 \u3164';
    expect(safeText(other)).toBe(other);
  });

  it('escapes a character outside the BMP as its surrogate pair, so JSON stays valid', () => {
    expect(safeText('\u{e0041}')).toBe('\\udb40\\udc41');
    const value = { sub: 'admin\u{e0041}\u061c\u200b\ufeff', [`k\u2060`]: ['\u2029'] };
    const json = safeJson(value);
    expect(json).toMatch(/^[\x20-\x7e]*$/);
    expect(JSON.parse(json)).toEqual(value);
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

  it('redacts exactly what the JWT-shaped pattern matches (compared on 3000 random short texts)', () => {
    // The reference: three base64url runs of 8+, 8+ and 0+ characters, leftmost and longest first.
    const reference = (text: string) => text.replace(/[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g, '<token>');
    let seed = 0x5afe;
    const next = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 16) / 65536;
    const alphabet = 'ab_-.. !Z9';
    for (let i = 0; i < 3000; i += 1) {
      const text = Array.from({ length: Math.floor(next() * 60) }, () => alphabet[Math.floor(next() * alphabet.length)]).join('');
      expect(redactTokens(text), JSON.stringify(text)).toBe(reference(text));
    }
  });

  // 256 KiB: the discovery document limit (jwks.maxResponseBytes), whose issuer a refusal's hint quotes.
  const KIB_256 = 256 * 1024;
  const half = 'a'.repeat(KIB_256 / 2);
  it.each([
    ['one base64url run', 'a'.repeat(KIB_256), 'a'.repeat(KIB_256)],
    ['two long runs and one dot', `${half}.${half}`, `${half}.${half}`],
    ['runs of 8 and dots, never three segments', 'aaaaaaaa.aaaaaaaa!'.repeat(KIB_256 / 18), 'aaaaaaaa.aaaaaaaa!'.repeat(KIB_256 / 18)],
    ['short runs and dots', 'aaaaaaa.'.repeat(KIB_256 / 8), 'aaaaaaa.'.repeat(KIB_256 / 8)],
    ['a long run that ends a token', `${'a'.repeat(KIB_256)}.bbbbbbbb.c and more`, '<token> and more'],
    ['an issuer URL of 256 KiB', `https://evil.example/${'a'.repeat(KIB_256)}`, `https://evil.example/${'a'.repeat(KIB_256)}`],
  ])('redacts 256 KiB of %s in linear time', (_name, text, expected) => {
    const started = performance.now();
    const redacted = redactTokens(text);
    // Linear time takes milliseconds; the old pattern took minutes here. Bounded generously for a loaded machine.
    expect(performance.now() - started).toBeLessThan(2000);
    expect(redacted).toBe(expected);
  });
});
