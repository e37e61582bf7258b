// Which URLs tollgate will fetch keys from (https, or http on loopback when explicitly allowed), and
// what an issuer identifier may look like.

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Returns what is wrong with `value` as a URL to fetch from, or `undefined` when it is fine. */
export function checkUrl(name: string, value: string, allowInsecure: boolean): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `${name}: '${value}' is not an absolute URL`;
  }
  // Credentials in a URL would travel into error messages, audit events and logs; not echoed here either.
  if (url.username || url.password) return `${name}: must not carry credentials (user:password@)`;
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)) {
    return allowInsecure ? undefined : `${name}: '${value}' is not https; for local development set allowInsecureRequests: true`;
  }
  return `${name}: '${value}' must be an https URL`;
}

/**
 * Returns what is wrong with `value` as an issuer identifier beyond {@link checkUrl}, or `undefined`.
 * RFC 8414 section 2 (and OpenID Connect Discovery 1.0 section 3): an issuer identifier has no query
 * and no fragment. Discovery builds its metadata URLs from the path alone, so such an issuer would
 * start fine and then fail every request. Checked on the raw text: `new URL` drops an empty `?` or `#`.
 * @example checkIssuerUrl('issuer', 'https://auth.example.com/?x=1') // "issuer: '…' must not have a query or a fragment …"
 * @see RFC 8414 section 2
 */
export function checkIssuerUrl(name: string, value: string): string | undefined {
  if (!value.includes('?') && !value.includes('#')) return undefined;
  const url = new URL(value);
  return `${name}: '${value}' must not have a query or a fragment (RFC 8414 section 2); the issuer identifier would be '${url.origin}${url.pathname}'`;
}
