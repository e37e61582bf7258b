// Which URLs tollgate will fetch keys from (https, or http on loopback when explicitly allowed), and
// what an issuer identifier may look like.

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * The hosts `http:` is allowed for: none (`false`), loopback (`true`), or loopback plus the named
 * development hosts. Resolved from the `allowInsecureRequests` option.
 */
export type InsecurePolicy = false | true | { readonly hosts: readonly string[] };

/** Returns what is wrong with `value` as a URL to fetch from, or `undefined` when it is fine. */
export function checkUrl(name: string, value: string, allowInsecure: InsecurePolicy): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    // Not parsed, so not checked for credentials either: whatever sits before an '@' is not echoed.
    return `${name}: '${value.includes('@') ? value.replace(/^([^:/]*:?\/*)[^@]*@/, '$1***@') : value}' is not an absolute URL`;
  }
  // Credentials in a URL would travel into error messages, audit events and logs; not echoed here either.
  if (url.username || url.password) return `${name}: must not carry credentials (user:password@)`;
  if (url.protocol === 'https:') return undefined;
  if (url.protocol !== 'http:') return `${name}: '${value}' must be an https URL`;
  const named = typeof allowInsecure === 'object' && allowInsecure.hosts.includes(url.hostname);
  if (LOOPBACK_HOSTS.has(url.hostname)) {
    return allowInsecure !== false ? undefined : `${name}: '${value}' is not https; for local development set allowInsecureRequests: true`;
  }
  if (named) return undefined;
  // Over http the keys can be swapped by anyone on the path: allowed only for hosts named on purpose.
  return `${name}: '${value}' must be an https URL; allowInsecureRequests: true allows http on localhost, 127.0.0.1 and [::1] only; for a development issuer on another host (a docker compose service), name it: allowInsecureRequests: { hosts: ['${url.hostname}'] } (never in production: over http, anyone on the network can serve you keys)`;
}

/** Hostnames as `new URL` spells them: no scheme, port, path, user or wildcard. */
export function checkInsecureHost(host: string): string | undefined {
  let url: URL;
  try {
    url = new URL(`http://${host}/`);
  } catch {
    return `'${host}' is not a hostname`;
  }
  if (host === '' || url.hostname !== host.toLowerCase() || host.includes('*')) {
    return `'${host}' is not a bare hostname (no scheme, port, path or wildcard; e.g. 'keycloak')`;
  }
  return undefined;
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
