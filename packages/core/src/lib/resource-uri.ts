// The API's resource identifier (RFC 8707, RFC 9728): checked once, spelled the one canonical way.
import { checkUrl, type InsecurePolicy } from './url-policy.js';

/**
 * What is wrong with `value` as the API's canonical resource URI, or `undefined`. RFC 8707 section 2: an
 * absolute URI without a fragment; RFC 9728 section 1.2: https; the MCP authorization spec: lower-case
 * scheme and host, no trailing slash. A query is refused too (RFC 8707 says SHOULD NOT): every client
 * derives the metadata URL and the `resource` parameter from this string, so it must have one spelling.
 * Checked on the raw text, since `new URL` would quietly drop an empty `?` or `#`.
 * @example checkResourceUri('resource', 'https://api.example.com/mcp') // undefined
 */
export function checkResourceUri(name: string, value: string, allowInsecure: InsecurePolicy): string | undefined {
  const problem = checkUrl(name, value, allowInsecure);
  if (problem) return problem;
  if (value.includes('#')) return `${name}: '${value}' must not have a fragment (RFC 8707 section 2)`;
  if (value.includes('?')) return `${name}: '${value}' must not have a query: clients compare and derive URLs from it (RFC 8707 section 2)`;
  const url = new URL(value);
  const canonical = url.pathname === '/' ? url.origin : `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  if (value !== canonical) {
    return `${name}: '${value}' must be written as '${canonical}' (lower-case scheme and host, no default port, no trailing slash, no '.' or '..' segments)`;
  }
  return undefined;
}

/**
 * Whether `candidate` (a token's `aud` member, a client's `resource` parameter) names exactly the
 * resource `canonical`. Exact comparison, as RFC 9068 section 4 asks of `aud`; but a trailing slash on
 * an origin (`https://api.example.com/`) is the same URL by RFC 3986 section 6.2.3, so it matches too.
 * @example sameResource('https://api.example.com', 'https://api.example.com/') // true
 */
export function sameResource(canonical: string, candidate: string): boolean {
  if (candidate === canonical) return true;
  return candidate === `${canonical}/` && !new URL(canonical).pathname.slice(1);
}
