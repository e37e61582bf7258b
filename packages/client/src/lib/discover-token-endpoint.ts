// Finds the token endpoint in the issuer's metadata: RFC 8414 first, then OpenID Connect Discovery 1.0.
import { TokenRequestError } from '../token-request-error.js';
import { exchange, HttpFailure, parseObject } from './http.js';
import { checkUrl } from './request-values.js';

/** What discovery needs from the options. */
export interface DiscoverySettings {
  readonly fetch: typeof globalThis.fetch;
  readonly timeoutMs: number;
  readonly maxResponseBytes: number;
  readonly allowInsecureRequests: boolean;
  /** Whether the client authenticates with mutual TLS: then `mtls_endpoint_aliases.token_endpoint` is preferred. */
  readonly mutualTls: boolean;
}

/** The metadata URLs of `issuer`, in the order tried. */
export function metadataUrls(issuer: string): string[] {
  const url = new URL(issuer);
  const path = url.pathname.replace(/\/+$/, '');
  // RFC 8414 section 3.1: the well-known segment goes between the host and the path;
  // OpenID Connect Discovery 1.0 section 4: it is appended to the issuer.
  return [`${url.origin}/.well-known/oauth-authorization-server${path}`, `${url.origin}${path}/.well-known/openid-configuration`];
}

const failed = (description: string, status = 0) => new TokenRequestError('discovery', 'discovery_failed', { description, status });

/**
 * The `token_endpoint` of `issuer`'s metadata. The document's `issuer` must equal the configured one
 * (RFC 8414 section 3.3): otherwise another server could name the endpoint our credentials go to.
 * @see RFC 8414 section 3, OpenID Connect Discovery 1.0 section 4
 */
export async function discoverTokenEndpoint(issuer: string, settings: DiscoverySettings): Promise<string> {
  const problems: string[] = [];
  for (const url of metadataUrls(issuer)) {
    let text: string;
    let status: number;
    try {
      ({ text, status } = await exchange(settings.fetch, url, { method: 'GET', headers: { accept: 'application/json' } }, settings.timeoutMs, settings.maxResponseBytes));
    } catch (error) {
      problems.push(`${url}: ${error instanceof HttpFailure ? error.message : 'failed'}`);
      continue;
    }
    if (status !== 200) {
      problems.push(`${url}: HTTP ${status}`);
      continue;
    }
    const metadata = parseObject(text);
    if (!metadata) {
      problems.push(`${url}: not a JSON object`);
      continue;
    }
    if (metadata.issuer !== issuer) {
      const named = JSON.stringify(metadata.issuer)?.slice(0, 200) ?? 'none';
      throw failed(`${url} names issuer ${named}, not ${JSON.stringify(issuer)} (RFC 8414 section 3.3 requires them to be equal); set issuer to exactly the server's identifier, or set tokenEndpoint`);
    }
    // RFC 8705 section 5: a server may take mutual TLS at other URLs; a client using it goes there.
    const aliases = metadata.mtls_endpoint_aliases;
    const alias = settings.mutualTls && typeof aliases === 'object' && aliases !== null ? (aliases as Record<string, unknown>).token_endpoint : undefined;
    const endpoint = alias ?? metadata.token_endpoint;
    if (typeof endpoint !== 'string') throw failed(`${url} has no token_endpoint; set tokenEndpoint`);
    const problem = checkUrl(endpoint, settings.allowInsecureRequests, true);
    if (problem) throw failed(`${url} names a token_endpoint that ${problem}; set tokenEndpoint`);
    return endpoint;
  }
  throw failed(`no metadata for issuer ${JSON.stringify(issuer)} (${problems.join('; ')}); check issuer, or set tokenEndpoint`);
}
