// Finds an issuer's jwks_uri from its metadata: RFC 8414 first, then OpenID Connect Discovery 1.0.
import { fetchJsonDocument, FetchJsonError, type FetchJsonOptions } from './fetch-json.js';

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

/** A setting is wrong (waiting will not help): the message says what, and what to set. */
function misconfigured(text: string): FetchJsonError {
  return new FetchJsonError(`configuration problem: ${text}`, undefined, 'configuration');
}

/** A value from the metadata, quoted for a message (capped: the document is the issuer's, not ours). */
function quote(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/**
 * Fetches the issuer's metadata and returns its `jwks_uri`. The document's `issuer` must equal
 * the configured one exactly (RFC 8414 section 3.3), which stops a mix-up of issuers.
 * Failures that waiting will not repair (another issuer, no usable `jwks_uri`, no metadata at either
 * well-known URL) are a {@link FetchJsonError} with `problem: 'configuration'`, whose message says
 * what to set; the answer to the client stays a 503 either way.
 * @example await discoverJwksUri('https://auth.example.com/', { fetch, timeoutSeconds: 5, maxBytes: 262144, checkUrl })
 * @see RFC 8414 section 3, OpenID Connect Discovery 1.0 section 4
 */
export async function discoverJwksUri(
  issuer: string,
  options: FetchJsonOptions & { checkUrl: (url: string) => string | undefined },
): Promise<string> {
  return (await discoverJwks(issuer, options)).jwksUri;
}

/** {@link discoverJwksUri}, with the headers of the metadata response (they say how long it is fresh). */
export async function discoverJwks(
  issuer: string,
  options: FetchJsonOptions & { checkUrl: (url: string) => string | undefined },
): Promise<{ jwksUri: string; headers: Pick<Headers, 'get'> }> {
  const urls = metadataUrls(issuer);
  const failures: string[] = [];
  let notFound = 0;
  for (const url of urls) {
    let document: unknown;
    let headers: Pick<Headers, 'get'>;
    try {
      ({ document, headers } = await fetchJsonDocument(url, options));
    } catch (error) {
      if (error instanceof FetchJsonError && error.status === 404) notFound += 1;
      failures.push((error as Error).message);
      continue;
    }
    const metadata = document as { issuer?: unknown; jwks_uri?: unknown } | null;
    if (typeof metadata !== 'object' || metadata === null) {
      failures.push(`${url} is not a JSON object`);
      continue;
    }
    if (typeof metadata.issuer !== 'string') {
      throw misconfigured(`${url} has no issuer (RFC 8414 section 2 requires one); check that issuer names the authorization server, or set jwksUri to skip discovery`);
    }
    if (metadata.issuer !== issuer) {
      throw misconfigured(
        `${url} names issuer ${quote(metadata.issuer)}, not the configured issuer ${quote(issuer)} (RFC 8414 section 3.3 requires them to be equal); ` +
          `if that is your authorization server, set issuer to exactly ${quote(metadata.issuer)} (the iss of its tokens), or set jwksUri to skip discovery`,
      );
    }
    if (typeof metadata.jwks_uri !== 'string') throw misconfigured(`${url} has no jwks_uri; set jwksUri to the authorization server's JWKS URL`);
    const problem = options.checkUrl(metadata.jwks_uri);
    if (problem) throw misconfigured(`${url} names ${problem}; fix the metadata, or set jwksUri to a URL tollgate may fetch`);
    return { jwksUri: metadata.jwks_uri, headers };
  }
  // Both documents answered "not found": the issuer is likely not the authorization server's identifier.
  if (notFound === urls.length) {
    throw misconfigured(
      `discovery failed for ${issuer}: no metadata at ${urls.join(' or ')} (both 404); check that issuer is the authorization server's issuer identifier, or set jwksUri`,
    );
  }
  throw new FetchJsonError(`discovery failed for ${issuer}: ${failures.join('; ')}`);
}
