// Which URLs tollgate will fetch keys from: https, or http on loopback when explicitly allowed.

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
