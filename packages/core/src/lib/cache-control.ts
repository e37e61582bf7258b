// How long a fetched JWKS or discovery document stays fresh: its Cache-Control, Age and Expires headers (RFC 9111 section 4.2), within bounds.

/** How response headers set a document's freshness; seconds. */
export interface FreshnessPolicy {
  /** Used when the response has no freshness information, or when headers are not honoured. */
  readonly fallback: number;
  /** The bounds a response's own lifetime is held to; `false`: headers are ignored. */
  readonly bounds: { readonly min: number; readonly max: number } | false;
}

// RFC 9111 section 1.2.2: a delta-seconds too large to represent is read as 2^31.
const MAX_DELTA_SECONDS = 2 ** 31;
// Header values are the issuer's: only this much of one is read.
const MAX_HEADER_LENGTH = 1024;

/** A delta-seconds value (RFC 9111 section 1.2.2), or `undefined` when it is not one. */
function deltaSeconds(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value)) return undefined;
  return Math.min(Number(value), MAX_DELTA_SECONDS);
}

/** Cache-Control directives by lowercase name; a directive given twice keeps every value. */
function directives(header: string): Map<string, Array<string | undefined>> {
  const found = new Map<string, Array<string | undefined>>();
  for (const part of header.slice(0, MAX_HEADER_LENGTH).split(',')) {
    const [rawName, ...rest] = part.split('=');
    const name = rawName!.trim().toLowerCase();
    if (!name) continue;
    const value = rest.length > 0 ? rest.join('=').trim().replace(/^"(.*)"$/, '$1') : undefined;
    found.set(name, [...(found.get(name) ?? []), value]);
  }
  return found;
}

/**
 * The seconds a response says it stays fresh from now, or `undefined` when it says nothing:
 * - `no-store` or `no-cache`: 0 (use it now, fetch again at the next chance);
 * - `max-age`: its value less the `Age` header; a `max-age` given twice or not a number: 0 (RFC 9111
 *   section 4.2.1 lets a cache treat such a response as stale);
 * - otherwise `Expires` less the response's `Date` (or now, without one); an `Expires` that is not a
 *   date: 0 (RFC 9111 section 5.3);
 * - `s-maxage` (for shared caches), `stale-while-revalidate` and `stale-if-error` are not read: the
 *   verifier's own `staleIfError` decides how long stale keys serve.
 * @example responseLifetime(new Headers({ 'cache-control': 'public, max-age=300', age: '20' }), Date.now()) // 280
 * @see RFC 9111 sections 4.2.1, 4.2.3, 5.1, 5.2.2, 5.3
 */
export function responseLifetime(headers: Pick<Headers, 'get'>, nowMs: number): number | undefined {
  const cacheControl = directives(headers.get('cache-control') ?? '');
  if (cacheControl.has('no-store') || cacheControl.has('no-cache')) return 0;
  let lifetime: number | undefined;
  const maxAge = cacheControl.get('max-age');
  if (maxAge !== undefined) {
    lifetime = maxAge.length === 1 ? (deltaSeconds(maxAge[0]) ?? 0) : 0;
  } else {
    const expires = headers.get('expires');
    if (expires === null) return undefined;
    const expiresAt = Date.parse(expires.slice(0, MAX_HEADER_LENGTH));
    const date = Date.parse(headers.get('date')?.slice(0, MAX_HEADER_LENGTH) ?? '');
    // Expires against the server's own Date, so a skewed clock on either side does not stretch it.
    lifetime = Number.isNaN(expiresAt) ? 0 : Math.max(0, (expiresAt - (Number.isNaN(date) ? nowMs : date)) / 1000);
  }
  const age = deltaSeconds(headers.get('age')?.trim().slice(0, MAX_HEADER_LENGTH)) ?? 0;
  return Math.max(0, lifetime - age);
}

/**
 * How long a fetched document is used before it is fetched again, in seconds: the response's own
 * lifetime held within the policy's bounds, or the policy's fallback (`cacheMaxAge`).
 * @example freshFor(response.headers, Date.now(), { fallback: 600, bounds: { min: 60, max: 3600 } })
 * @see RFC 9111 section 4.2
 */
export function freshFor(headers: Pick<Headers, 'get'>, nowMs: number, policy: FreshnessPolicy): number {
  if (policy.bounds === false) return policy.fallback;
  const lifetime = responseLifetime(headers, nowMs);
  if (lifetime === undefined) return policy.fallback;
  return Math.min(policy.bounds.max, Math.max(policy.bounds.min, lifetime));
}

/**
 * The bounds a response's caching headers are held to. Unset, `min` is 1 minute (or cacheMaxAge, if
 * shorter) and `max` is cacheMaxAge: by default a response may shorten how long keys are kept, never
 * lengthen it, so a key the issuer withdraws is dropped no later than cacheMaxAge says. Set bounds must
 * include cacheMaxAge (what a response without caching headers gets; bounds that exclude it contradict it).
 */
export function cacheControlBounds(
  input: boolean | { min?: number | undefined; max?: number | undefined } | undefined,
  cacheMaxAge: number,
  problems: string[],
): { min: number; max: number } | false {
  if (input === false) return false;
  const given = typeof input === 'object' ? input : {};
  const min = given.min ?? Math.min(60, cacheMaxAge);
  const max = given.max ?? cacheMaxAge;
  // Both given and crossed: that is the mistake to name. Otherwise a bound against cacheMaxAge (max
  // defaults to it, so `min` over cacheMaxAge is reported here).
  if (given.min !== undefined && given.max !== undefined && min > max) problems.push('jwks.cacheControl: min is over max; give min <= max');
  else if (cacheMaxAge < min || cacheMaxAge > max) {
    problems.push(`jwks.cacheControl: cacheMaxAge (${cacheMaxAge} s, used when a response has no caching headers) must lie within min (${min} s) and max (${max} s)`);
  }
  return Object.freeze({ min, max });
}
