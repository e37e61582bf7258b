// Makes text from a token safe to print: a hostile claim must not drive the terminal or hide text.

// C0 and C1 controls (escape sequences), DEL, line and paragraph separators, and the bidirectional
// overrides and isolates that can make printed text read differently from what it is ("Trojan Source").
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

const escape = (char: string): string => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;

/**
 * Replaces control and bidirectional characters with `\uXXXX` escapes.
 * @param text any text, typically a claim value
 * @example safeText('ok\u001b[2J') // 'ok\\u001b[2J'
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
 * One line of JSON whose strings carry no raw control or bidirectional characters (JSON.stringify
 * escapes only U+0000-U+001F). The escapes are valid JSON, so parsers see the same values.
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
