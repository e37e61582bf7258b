// The `{tenant}` issuer pattern: checked once at startup, then matched exactly against a token's iss.
import { checkIssuerUrl, checkUrl, type InsecurePolicy } from './url-policy.js';

/** The placeholder an issuer pattern or a jwksUri template holds exactly once. */
export const TENANT = '{tenant}';

/** Where `{tenant}` stands: a whole path segment, or the leftmost label of the host. */
export type TenantPlace = 'path' | 'host';

/** A checked pattern: the text around `{tenant}`, and where it stands. */
export interface CompiledPattern {
  readonly pattern: string;
  readonly prefix: string;
  readonly suffix: string;
  readonly place: TenantPlace;
  /** The allowed tenants; `undefined`: any tenant of the safe character set (`'*'`). */
  readonly tenants: ReadonlySet<string> | undefined;
}

// A tenant can never reach another host or path: no '/', '.', '%', '?', '#', '@', ':', '\', whitespace
// or non-ASCII, so the literal text around it fixes the host and the path of every issuer it matches.
const PATH_TENANT = /^[A-Za-z0-9_-]{1,64}$/;
// A DNS label (RFC 1123 section 2.1) in lower case: hosts are case-insensitive while iss is compared
// exactly, so only the spelling `new URL` gives a host is accepted.
const HOST_TENANT = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
// Stands in for a tenant when a pattern or a template is checked as a URL: valid in both places.
const SAMPLE = 'tenant0sample';

/** Whether `tenant` is a tenant that may stand at `place`. */
export function isTenant(tenant: string, place: TenantPlace): boolean {
  return (place === 'host' ? HOST_TENANT : PATH_TENANT).test(tenant);
}

/** The tenant `iss` names under `compiled`, or `undefined` when it does not match (or is not allowed). */
export function matchTenant(compiled: CompiledPattern, iss: string): string | undefined {
  const { prefix, suffix } = compiled;
  if (iss.length <= prefix.length + suffix.length || !iss.startsWith(prefix) || !iss.endsWith(suffix)) return undefined;
  const tenant = iss.slice(prefix.length, iss.length - suffix.length);
  if (!isTenant(tenant, compiled.place)) return undefined;
  if (compiled.tenants !== undefined && !compiled.tenants.has(tenant)) return undefined;
  return tenant;
}

/** Whether `value` is spelled the way `new URL` spells it (so what is fetched is what was written). */
export function isCanonicalUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  // An origin-only issuer is written without its '/' (`https://auth.example.com`), as test issuers are.
  return url.href === value || (url.pathname === '/' && url.href === `${value}/`);
}

function placeOf(text: string, prefix: string, suffix: string): TenantPlace | undefined {
  const scheme = /^https?:\/\//.exec(prefix);
  // Leftmost host label: `https://{tenant}.rest.of.host/...`, with at least two labels after it so a
  // tenant can never be a registrable domain of its own (`{tenant}.com`).
  if (scheme && prefix === scheme[0]) {
    const host = /^\.([^/:?#]+)/.exec(suffix)?.[1];
    return host !== undefined && host.split('.').filter(Boolean).length >= 2 ? 'host' : undefined;
  }
  // A whole path segment: after the authority, between two '/' (or at the end).
  const authorityEnd = text.indexOf('/', text.indexOf('//') + 2);
  if (authorityEnd === -1 || prefix.length <= authorityEnd || !prefix.endsWith('/')) return undefined;
  return suffix === '' || suffix.startsWith('/') ? 'path' : undefined;
}

/**
 * Checks a URL holding `{tenant}` exactly once (an issuer pattern, or a jwksUri template with `forIssuer`
 * false): an absolute URL under the same policy as a configured issuer, spelled as `new URL` spells it,
 * with `{tenant}` a whole path segment or the leftmost host label. Returns the problem, or the parts.
 */
export function checkTenantUrl(
  name: string,
  text: string,
  allowInsecure: InsecurePolicy,
  forIssuer: boolean,
): string | { prefix: string; suffix: string; place: TenantPlace } {
  const at = text.indexOf(TENANT);
  if (at === -1 || text.indexOf(TENANT, at + 1) !== -1) return `${name}: '${text}' must contain ${TENANT} exactly once`;
  const prefix = text.slice(0, at);
  const suffix = text.slice(at + TENANT.length);
  if (/[{}]/.test(prefix + suffix)) return `${name}: '${text}' may hold no placeholder but ${TENANT}`;
  const sample = `${prefix}${SAMPLE}${suffix}`;
  const problem = checkUrl(name, sample, allowInsecure) ?? (forIssuer ? checkIssuerUrl(name, sample) : undefined);
  if (problem) return problem.replaceAll(SAMPLE, TENANT);
  if (!isCanonicalUrl(sample)) {
    const spelled = new URL(sample).href.replace(SAMPLE, TENANT);
    return `${name}: '${text}' must be written as a URL spells it (lower-case host, no default port, no '.' or '..' segments, no percent-encoding or backslash): '${spelled}'`;
  }
  // 'co.uk.' is 'co.uk' to DNS: a trailing dot would slip a host past the checks on its labels.
  if (new URL(sample).hostname.endsWith('.')) return `${name}: '${text}' must not end its host with '.'`;
  const place = placeOf(sample, prefix, suffix);
  if (!place) {
    return `${name}: '${text}': ${TENANT} must be a whole path segment (https://login.example.com/${TENANT}/v2.0) or the leftmost label of a host with at least two more labels (https://${TENANT}.auth.example.com/)`;
  }
  return { prefix, suffix, place };
}

// Second-level labels that country registries sell domains under (co.uk, com.au, ac.jp...): with `{tenant}`
// right before one of them, every domain registered there would be a trusted issuer.
const REGISTRY_LABELS = new Set(['ac', 'biz', 'co', 'com', 'edu', 'firm', 'gen', 'go', 'gob', 'gov', 'info', 'ltd', 'me', 'mil', 'ne', 'net', 'nic', 'nom', 'or', 'org', 'plc', 'sch', 'web']);

/** Whether `host` (what follows `{tenant}.`) looks like a public suffix such as `co.uk`: two labels, a country code last. */
function isLikelyPublicSuffix(host: string): boolean {
  const labels = host.split('.');
  // A country code: two letters, or an internationalized one (xn--p1ai is .рф).
  return labels.length === 2 && /^(?:[a-z]{2}|xn--[a-z0-9-]+)$/.test(labels[1]!) && REGISTRY_LABELS.has(labels[0]!);
}

/**
 * Compiles an issuer pattern and its allow-list, or returns every problem found.
 * @example compilePattern({ pattern: 'https://login.microsoftonline.com/{tenant}/v2.0', tenants: '*' }, false)
 */
export function compilePattern(
  option: { pattern: string; tenants: readonly string[] | '*' },
  allowInsecure: InsecurePolicy,
): CompiledPattern | string[] {
  const checked = checkTenantUrl('issuer.pattern', option.pattern, allowInsecure, true);
  if (typeof checked === 'string') return [checked];
  if (option.tenants === '*') {
    const host = /^\.([^/:?#]+)/.exec(checked.suffix)?.[1];
    if (checked.place === 'host' && host !== undefined && isLikelyPublicSuffix(host)) {
      return [
        `issuer.pattern: '${option.pattern}': '${host}' is a public suffix, so with tenants: '*' anyone who registers a domain under it would be a trusted issuer; list the tenants (issuer.tenants) or put {tenant} under a domain you control`,
      ];
    }
    return { pattern: option.pattern, ...checked, tenants: undefined };
  }
  const wrong = option.tenants.filter((tenant) => !isTenant(tenant, checked.place));
  if (wrong.length > 0) {
    const allowed = checked.place === 'host' ? 'a lower-case host label: a-z, 0-9 and inner -, at most 63' : 'A-Z, a-z, 0-9, _ and -, at most 64';
    return wrong.map((tenant) => `issuer.tenants: ${JSON.stringify(tenant)} is not a tenant that can stand in the ${checked.place} (${allowed} characters)`);
  }
  return { pattern: option.pattern, ...checked, tenants: new Set(option.tenants) };
}

/** The URL `template` names for `tenant` (a tenant already checked by {@link matchTenant}). */
export function fillTenant(template: string, tenant: string): string {
  return template.replace(TENANT, tenant);
}
