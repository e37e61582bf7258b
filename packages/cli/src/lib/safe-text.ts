// Makes text from a token safe to print: a hostile claim must not drive the terminal or hide text.

// Every character of general categories Cc (C0 and C1 controls, DEL: escape sequences), Cf (format
// characters: the bidi marks, overrides and isolates behind "Trojan Source", U+061C ARABIC LETTER MARK,
// zero-width characters, U+FEFF, the tag characters), Zl and Zp (line and paragraph separators): each
// either drives the terminal or hides or reorders what is printed. Whole code points (`u`), so a Cf
// character outside the BMP is matched, not half of it.
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;

// `\uXXXX` per UTF-16 code unit (a surrogate pair outside the BMP), as JSON writes escapes: inside a
// JSON string the result still parses to the same value.
const escape = (char: string): string => {
  let out = '';
  for (let i = 0; i < char.length; i += 1) out += `\\u${char.charCodeAt(i).toString(16).padStart(4, '0')}`;
  return out;
};

/**
 * Replaces every character of Unicode general categories Cc, Cf, Zl and Zp (controls, bidi and
 * zero-width characters, line and paragraph separators) with `\uXXXX` escapes.
 * @param text any text, typically a claim value
 * @example safeText('ok\u001b[2J\u200b') // 'ok\\u001b[2J\\u200b'
 */
export function safeText(text: string): string {
  return text.replace(UNSAFE, escape);
}

/**
 * A claim or header value as one safe line: strings as they are, anything else as JSON.
 * @param value a decoded JSON value
 * @example displayValue(['a', 'b']) // '["a","b"]'
 */
export function displayValue(value: unknown): string {
  return safeText(typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value)));
}

/**
 * One line of JSON whose strings carry no raw Cc, Cf, Zl or Zp character (JSON.stringify escapes only
 * U+0000-U+001F and lone surrogates). The escapes are valid JSON, so parsers see the same values.
 * @param value a JSON-serializable value
 * @example safeJson({ sub: 'a\u202eb' }) // '{"sub":"a\\u202eb"}'
 */
export function safeJson(value: unknown): string {
  return safeText(JSON.stringify(value));
}

// Three base64url segments of some length: a JWT (JWS compact) pasted where it does not belong. The
// lookbehind lets a match start only where a run of base64url characters starts: without it, each position
// of a long run without dots was tried and scanned to the run's end, quadratic time (a 256 KiB issuer in a
// discovery document took minutes). A match can only start at a run's start anyway (a later start has a
// shorter run before the same '.'), so the matches are the same.
const TOKEN_LIKE = /(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g;

/**
 * Replaces anything shaped like a JWT with `<token>`, for messages that echo user input
 * (a token given as `--issuer` by mistake must not end up in a CI log). Linear time, whatever the input.
 * @param text a message
 * @example redactTokens("issuer: 'eyJhbGciOi.eyJzdWIiOi.c2ln' is not an absolute URL") // "issuer: '<token>' is not an absolute URL"
 */
export function redactTokens(text: string): string {
  return text.replace(TOKEN_LIKE, '<token>');
}
