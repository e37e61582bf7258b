// The request URL a DPoP proof's htu must name (RFC 9449 section 4.3 point 9), both sides normalized alike.

// RFC 3986 section 2.3: unreserved characters, which a percent-encoding must not hide (section 6.2.2.2).
const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

/** Percent-encodings decoded where they hide an unreserved character, hex digits upper-cased elsewhere. */
function normalizePercentEncoding(path: string): string {
  if (!path.includes('%')) return path;
  return path.replace(/%[0-9A-Fa-f]{2}/g, (escape) => {
    const char = String.fromCharCode(Number.parseInt(escape.slice(1), 16));
    return UNRESERVED.test(char) ? char : escape.toUpperCase();
  });
}

/**
 * An http(s) URL in the form htu is compared in: scheme and host lower-cased, the default port dropped,
 * percent-encoding normalized, query and fragment removed (RFC 9449 section 4.3: "without query and
 * fragment parts"); the path otherwise as is. `undefined` for anything that is not an absolute http(s)
 * URL, or that carries credentials.
 * @see RFC 9449 section 4.3, RFC 3986 section 6.2.2
 */
export function normalizeHtu(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username !== '' || url.password !== '') return undefined;
  // URL has already lower-cased scheme and host and dropped a default port.
  return `${url.protocol}//${url.host}${normalizePercentEncoding(url.pathname)}`;
}

/**
 * The path of an origin-form target (`/a/b?c`), without query or fragment, percent-encoded as a URL
 * would be. `undefined` for a path with a dot segment (`.`, `..`, `%2e%2e`) or a backslash: the routers
 * serve those as they are, while a URL parser would resolve them, so an htu for one path would be
 * accepted on another.
 */
function pathOf(target: string): string | undefined {
  if (!target.startsWith('/')) return undefined;
  const end = target.search(/[?#]/);
  const path = end === -1 ? target : target.slice(0, end);
  if (path.includes('\\')) return undefined;
  for (const segment of path.split('/')) {
    const plain = segment.includes('%') ? segment.replace(/%2e/gi, '.') : segment;
    if (plain === '.' || plain === '..') return undefined;
  }
  try {
    // Concatenated, never resolved against a base: `//evil.example/x` stays a path here.
    return new URL(`http://path.invalid${path}`).pathname;
  } catch {
    return undefined;
  }
}

// An absolute request URL as the adapters build it (requestUrlFrom): scheme, authority, then the target.
const ABSOLUTE = /^(https?:\/\/[^/?#\\@\s]+)([/?#].*)?$/i;

/**
 * The htu this request must carry, normalized: the public base URL (when configured) followed by the
 * request's path, else the origin of the absolute URL the adapter reported and its path. `undefined` when
 * it cannot be known.
 */
export function expectedHtu(requestUrl: string | undefined, publicUrl: string | undefined): string | undefined {
  if (requestUrl === undefined) return undefined;
  let origin: string | undefined;
  let target = requestUrl;
  if (!requestUrl.startsWith('/')) {
    const parts = ABSOLUTE.exec(requestUrl);
    if (!parts) return undefined;
    origin = parts[1];
    const rest = parts[2] ?? '/';
    target = rest.startsWith('/') ? rest : `/${rest}`;
  }
  const base = publicUrl ?? origin;
  if (base === undefined) return undefined;
  const path = pathOf(target);
  return path === undefined ? undefined : normalizeHtu(`${base}${path}`);
}
