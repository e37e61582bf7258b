// Parses Envoy's X-Forwarded-Client-Cert header: comma-separated elements of semicolon-separated key=value pairs.

/** One XFCC element: its pairs by lower-cased key (keys are case-insensitive, values are not). */
export type XfccElement = ReadonlyMap<string, string>;

/**
 * The elements of an XFCC value, or `undefined` when it is malformed: an unterminated quote, a pair without
 * `=`, an empty key, a key given twice in one element, or text after a closing quote. Values may be
 * double-quoted (to hold `,`, `;` or `=`), with `\"` for a quote inside them.
 */
export function parseXfcc(value: string): XfccElement[] | undefined {
  const elements: XfccElement[] = [];
  let pairs = new Map<string, string>();
  let key = '';
  let text = '';
  let inKey = true;
  let quoted = false;
  let closed = false;
  const endPair = (): boolean => {
    if (inKey) return key.length === 0 && text.trim().length === 0 && !closed;
    const name = key.trim().toLowerCase();
    if (name.length === 0 || pairs.has(name)) return false;
    pairs.set(name, closed ? text : text.trim());
    return true;
  };
  const reset = () => {
    key = '';
    text = '';
    inKey = true;
    closed = false;
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
    } else if (char === '"' && text.trim().length === 0) {
      quoted = true;
      text = '';
    } else {
      text += char;
    }
  }
  if (quoted || !endPair()) return undefined;
  if (pairs.size > 0) elements.push(pairs);
  return elements;
}
