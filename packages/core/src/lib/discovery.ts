// Finds an issuer's jwks_uri from its metadata: RFC 8414 first, then OpenID Connect Discovery 1.0.
import { fetchJson, FetchJsonError, type FetchJsonOptions } from './fetch-json.js';

/** The metadata URLs to try for `issuer`, in order. */
export function metadataUrls(issuer: string): string[] {
  const url = new URL(issuer);
  const path = url.pathname.replace(/\/+$/, '');
  // RFC 8414 section 3.1: insert the well-known segment between the host and the path.
  const oauth = `${url.origin}/.well-known/oauth-authorization-server${path}`;
  // OpenID Connect Discovery 1.0 section 4: append it to the issuer.
  const oidc = `${url.origin}${path}/.well-known/openid-configuration`;
  return [oauth, oidc];
}

/**
 * Fetches the issuer's metadata and returns its `jwks_uri`. The document's `issuer` must equal
 * the configured one exactly (RFC 8414 section 3.3), which stops a mix-up of issuers.
 */
export async function discoverJwksUri(
  issuer: string,
  options: FetchJsonOptions & { checkUrl: (url: string) => string | undefined },
): Promise<string> {
  const failures: string[] = [];
  for (const url of metadataUrls(issuer)) {
    let document: unknown;
    try {
      document = await fetchJson(url, options);
    } catch (error) {
      failures.push((error as Error).message);
      continue;
    }
    const metadata = document as { issuer?: unknown; jwks_uri?: unknown } | null;
    if (typeof metadata !== 'object' || metadata === null) {
      failures.push(`${url} is not a JSON object`);
      continue;
    }
    if (metadata.issuer !== issuer) {
      throw new FetchJsonError(`${url} names issuer ${JSON.stringify(metadata.issuer)}, expected ${JSON.stringify(issuer)}`);
    }
    if (typeof metadata.jwks_uri !== 'string') throw new FetchJsonError(`${url} has no jwks_uri`);
    const problem = options.checkUrl(metadata.jwks_uri);
    if (problem) throw new FetchJsonError(`${url}: ${problem}`);
    return metadata.jwks_uri;
  }
  throw new FetchJsonError(`discovery failed for ${issuer}: ${failures.join('; ')}`);
}
