// Where a key set is fetched from: a configured jwksUri, or the jwks_uri of the issuer's metadata,
// re-read once it is no longer fresh (its caching headers, else cacheMaxAge) or when a fetch from it fails.
import { discoverJwks } from './discovery.js';
import { fetchJsonDocument, FetchJsonError, type FetchJsonOptions } from './fetch-json.js';

/** Seconds a response stays fresh, from its headers (see freshFor in cache-control.ts). */
export type Lifetime = (headers: Pick<Headers, 'get'>) => number;

/** A fetched JWKS document, and a problem met on the way that did not stop the fetch. */
export interface LoadedJwks {
  readonly document: unknown;
  /** Seconds the document stays fresh, as its response's caching headers set it within bounds. */
  readonly freshFor: number;
  /** The metadata could not be re-read, so the `jwks_uri` read from it before was used. */
  readonly metadataError?: unknown;
}

/** Fetches a key set document; called inside the key set's single flight. */
export type LoadJwks = () => Promise<LoadedJwks>;

/** Settings of {@link discoveredJwks}. */
export interface DiscoveredJwksSettings extends FetchJsonOptions {
  /** The URL policy a discovered jwks_uri must pass. */
  checkUrl: (url: string) => string | undefined;
  /** Seconds a response stays fresh: the metadata is read again once it is older than its own. */
  lifetime: Lifetime;
  now: () => number;
}

/**
 * Loads the key set at a configured URL.
 * @example new RemoteJwks({ ...settings, load: configuredJwks('https://auth.example.com/jwks.json', fetchOptions) })
 */
export function configuredJwks(jwksUri: string, options: FetchJsonOptions & { lifetime: Lifetime }): LoadJwks {
  return async () => loaded(await fetchJsonDocument(jwksUri, options), options.lifetime);
}

function loaded(fetched: { document: unknown; headers: Pick<Headers, 'get'> }, lifetime: Lifetime): { document: unknown; freshFor: number } {
  return { document: fetched.document, freshFor: lifetime(fetched.headers) };
}

/**
 * Loads the key set of `issuer` at the `jwks_uri` of its metadata (RFC 8414, then OpenID Connect
 * Discovery). An issuer may move its keys: the metadata is read again once it is no longer fresh (its
 * response's caching headers within bounds, else `cacheMaxAge`), and when a fetch from its jwks_uri
 * fails (at most once a load, so the key set's single flight and cooldown bound it too). A metadata read that fails while a jwks_uri is in hand keeps that
 * one: a metadata outage, or metadata that turned wrong, must not become an outage of the keys.
 * @example new RemoteJwks({ ...settings, load: discoveredJwks('https://auth.example.com/', { ...fetchOptions, checkUrl, lifetime: () => 600, now }) })
 * @see RFC 8414 section 3, OpenID Connect Discovery 1.0 section 4
 */
export function discoveredJwks(issuer: string, settings: DiscoveredJwksSettings): LoadJwks {
  let jwksUri: string | undefined;
  let freshUntil = Number.NEGATIVE_INFINITY;
  const discover = async (): Promise<string> => {
    const found = await discoverJwks(issuer, settings);
    jwksUri = found.jwksUri;
    freshUntil = settings.now() + settings.lifetime(found.headers) * 1000;
    return jwksUri;
  };
  const fetchKeys = async (url: string) => loaded(await fetchJsonDocument(url, settings), settings.lifetime);

  return async () => {
    // First load: without metadata there is nothing to fetch, so its failure is the load's.
    if (jwksUri === undefined) return fetchKeys(await discover());
    let metadataError: unknown;
    const reread = settings.now() >= freshUntil;
    if (reread) {
      try {
        await discover();
      } catch (error) {
        metadataError = error;
      }
    }
    const used = jwksUri;
    try {
      const keys = await fetchKeys(used);
      return metadataError === undefined ? keys : { ...keys, metadataError };
    } catch (error) {
      // Metadata that turned wrong explains the failure better than the fetch it led to.
      if (reread) throw isConfigurationProblem(metadataError) ? metadataError : error;
      // The issuer may have moved its keys: read the metadata again, in this same flight.
      let moved: string;
      try {
        moved = await discover();
      } catch (discoveryError) {
        throw isConfigurationProblem(discoveryError) ? discoveryError : error;
      }
      if (moved === used) throw error;
      return fetchKeys(moved);
    }
  };
}

function isConfigurationProblem(error: unknown): boolean {
  return error instanceof FetchJsonError && error.problem === 'configuration';
}
