// Where tokens are introspected: the configured endpoint, or the introspection_endpoint of the issuer's metadata (RFC 8414 section 2).
import { metadataUrls } from '../discovery.js';
import { fetchJson, type FetchJsonOptions } from '../fetch-json.js';
import { IntrospectionFailure } from './post-form.js';

/** Settings of {@link introspectionEndpoint}. */
export interface EndpointSettings extends FetchJsonOptions {
  /** The configured endpoint; when absent it is discovered from `issuer`. */
  readonly endpoint: string | undefined;
  readonly issuer: string;
  /** The URL policy a discovered endpoint must pass (the same as for JWKS URLs). */
  readonly checkUrl: (url: string) => string | undefined;
  /** Seconds a discovered endpoint is used before the metadata is read again. */
  readonly cacheMaxAge: number;
  readonly now: () => number;
}

/**
 * Returns a function that resolves the endpoint. A discovered one is read once per `cacheMaxAge`, one
 * read at a time; a failed read is an {@link IntrospectionFailure} (`configuration` when waiting will
 * not help), and the endpoint read before, if any, keeps serving meanwhile.
 * @see RFC 8414 section 2 (introspection_endpoint), RFC 8414 section 3.3
 */
export function introspectionEndpoint(settings: EndpointSettings): () => Promise<string> {
  const configured = settings.endpoint;
  if (configured !== undefined) return () => Promise.resolve(configured);
  let known: string | undefined;
  let readAt = Number.NEGATIVE_INFINITY;
  let pending: Promise<string> | undefined;

  const discover = async (): Promise<string> => {
    const failures: string[] = [];
    for (const url of metadataUrls(settings.issuer)) {
      let metadata: unknown;
      try {
        metadata = await fetchJson(url, settings);
      } catch (error) {
        failures.push((error as Error).message);
        continue;
      }
      const document = (typeof metadata === 'object' && metadata !== null ? metadata : {}) as { issuer?: unknown; introspection_endpoint?: unknown };
      // RFC 8414 section 3.3: the metadata must be the configured issuer's own, or tokens go to another server.
      if (document.issuer !== settings.issuer) {
        throw new IntrospectionFailure(`${url} does not name the configured issuer; set introspection.endpoint`, 'configuration');
      }
      if (typeof document.introspection_endpoint !== 'string') {
        throw new IntrospectionFailure(`${url} has no introspection_endpoint; set introspection.endpoint`, 'configuration');
      }
      const problem = settings.checkUrl(document.introspection_endpoint);
      if (problem) throw new IntrospectionFailure(`${url} names ${problem}; set introspection.endpoint`, 'configuration');
      return document.introspection_endpoint;
    }
    throw new IntrospectionFailure(`discovery of the introspection endpoint failed for ${settings.issuer}: ${failures.join('; ')}`, 'endpoint');
  };

  return () => {
    const now = settings.now();
    if (known !== undefined && now < readAt + settings.cacheMaxAge * 1000) return Promise.resolve(known);
    pending ??= discover()
      .then((endpoint) => {
        known = endpoint;
        readAt = settings.now();
        return endpoint;
      })
      .catch((error: unknown) => {
        // Metadata that cannot be re-read keeps the endpoint read before: a metadata outage is not an introspection outage.
        // It is tried again one cacheMaxAge later, not at every request.
        if (known !== undefined) {
          readAt = settings.now();
          return known;
        }
        throw error;
      })
      .finally(() => {
        pending = undefined;
      });
    return pending;
  };
}
