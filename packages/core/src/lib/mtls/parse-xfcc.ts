// Parses Envoy's X-Forwarded-Client-Cert header: comma-separated elements of semicolon-separated key=value pairs.

/** One XFCC element: its pairs by lower-cased key (keys are case-insensitive, values are not). */
export type XfccElement = ReadonlyMap<string, string>;

// Keys that name the certificate: given twice in one element, they are refused, so a SAN that smuggles in
// `;Hash=...` (Envoy writes DNS and URI SANs unquoted) cannot add a second one. Envoy writes one `DNS=` or
// `URI=` pair per SAN, so other keys may repeat (the first is kept).
const UNIQUE_KEYS = new Set(['by', 'hash', 'cert', 'chain']);

/**
 * The elements of an XFCC value, or `undefined` when it is malformed: an unterminated quote, a pair without
 * `=`, an empty key, `By`, `Hash`, `Cert` or `Chain` given twice in one element, or text after a closing
 * quote. Values may be double-quoted (to hold `,`, `;` or `=`), with `\"` for a quote inside them.
 * Linear in the value's length.
 */
export function parseXfcc(value: string): XfccElement[] | undefined {
  const elements: XfccElement[] = [];
  let pairs = new Map<string, string>();
  let key = '';
  let text = '';
  let inKey = true;
  let quoted = false;
  let closed = false;
  // Whether the unquoted value so far is only whitespace: a quote may open it then (no trim() per character).
  let blank = true;
  const endPair = (): boolean => {
    if (inKey) return key.length === 0 && text.trim().length === 0 && !closed;
    const name = key.trim().toLowerCase();
    if (name.length === 0) return false;
    if (pairs.has(name)) return !UNIQUE_KEYS.has(name);
    pairs.set(name, closed ? text : text.trim());
    return true;
  };
  const reset = () => {
    key = '';
    text = '';
    inKey = true;
    closed = false;
    blank = true;
  };
  for (let i = 0; i < value.length; i += 1) {
    const char = value[i]!;
    if (quoted) {
      if (char === '\\' && i + 1 < value.length) {
        text += value[++i];
      } else if (char === '"') {
        quoted = false;
        closed = true;
      } else {
        text += char;
      }
      continue;
    }
    if (char === ';' || char === ',') {
      // An empty pair (`a=1;;b=2`) is skipped; anything else that is not `key=value` is malformed.
      if (!endPair()) return undefined;
      reset();
      if (char === ',') {
        if (pairs.size === 0) return undefined;
        elements.push(pairs);
        pairs = new Map();
      }
      continue;
    }
    if (closed) {
      // Only whitespace may follow a closing quote.
      if (char !== ' ' && char !== '\t') return undefined;
      continue;
    }
    if (inKey) {
      if (char === '=') inKey = false;
      else key += char;
    } else if (char === '"' && blank) {
      quoted = true;
      text = '';
    } else {
      text += char;
      if (char !== ' ' && char !== '\t') blank = false;
    }
  }
  if (quoted || !endPair()) return undefined;
  if (pairs.size > 0) elements.push(pairs);
  return elements;
}
