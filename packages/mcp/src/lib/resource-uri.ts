// Resource URIs in the form the MCP SDK serves them (`new URL(uri).href`): what tollgate checks is what the SDK reads.

/** `uri` when the WHATWG URL parser leaves it unchanged, else `undefined` (unparseable, or rewritten by parsing). */
export function canonicalUri(uri: string): string | undefined {
  if (!URL.canParse(uri)) return undefined;
  return new URL(uri).href === uri ? uri : undefined;
}

/**
 * Why a resource table key is not canonical, or `undefined` when it is. An exact key must parse to itself; a
 * `prefix*` key's prefix, followed by a path character, must too (an empty prefix, `*`, is every URI). An
 * exact key with braces is a URI template, kept as written.
 */
export function keyProblem(key: string, prefix: boolean): string | undefined {
  if (prefix && key === '') return undefined;
  // A URI template (`orders://items/{id}`), for completions of its arguments: a read of a URI with braces is
  // refused as not canonical, so such a key can only ever match a completion's template reference.
  if (!prefix && /[{}]/.test(key)) return undefined;
  const probe = prefix ? `${key}x` : key;
  if (!URL.canParse(probe)) return 'is not a URL';
  const href = new URL(probe).href;
  if (href === probe) return undefined;
  return `is not in the form the SDK serves (${JSON.stringify(prefix ? `${href.slice(0, -1)}*` : href)}); write it that way`;
}
