// Checks of the values a token request carries: scope tokens (RFC 6749 section 3.3), resource indicators (RFC 8707), URLs.

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
// RFC 6749 section 3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ).
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/** What is wrong with `scope` as one scope token, or `undefined`. */
export function checkScope(scope: string): string | undefined {
  if (typeof scope !== 'string' || !SCOPE_TOKEN.test(scope) || scope.length > 200) {
    return `${JSON.stringify(String(scope).slice(0, 50))} is not a scope token (RFC 6749 section 3.3: printable ASCII without spaces, quotes or backslashes)`;
  }
  return undefined;
}

/** What is wrong with `resource` as a resource indicator, or `undefined`. */
export function checkResource(resource: string): string | undefined {
  // RFC 8707 section 2: an absolute URI, without a fragment.
  let url: URL;
  try {
    url = new URL(resource);
  } catch {
    return `${JSON.stringify(String(resource).slice(0, 100))} is not an absolute URI (RFC 8707 section 2)`;
  }
  if (resource.includes('#')) return `'${url.origin}${url.pathname}' must not have a fragment (RFC 8707 section 2)`;
  if (resource.length > 2000) return 'a resource indicator of more than 2000 characters';
  return undefined;
}

/** What is wrong with `value` as a URL to send credentials to, or `undefined`. */
export function checkUrl(value: string, allowInsecure: boolean, allowQuery: boolean): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `'${value.includes('@') ? '(a URL with credentials)' : value}' is not an absolute URL`;
  }
  if (url.username || url.password) return 'must not carry credentials (user:password@)';
  // RFC 6749 section 3.2: a token endpoint may have a query (kept), never a fragment; RFC 8414 section 2: an issuer has neither.
  if (value.includes('#') || (!allowQuery && value.includes('?'))) return allowQuery ? 'must not have a fragment' : 'must not have a query or a fragment (RFC 8414 section 2)';
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)) {
    return allowInsecure ? undefined : `'${value}' is not https; for local development set allowInsecureRequests: true`;
  }
  // Client secrets and tokens over plain http can be read by anyone on the path.
  return `'${value}' must be an https URL (allowInsecureRequests: true allows http on localhost, 127.0.0.1 and [::1] only)`;
}
