// Protected Resource Metadata (RFC 9728): where the document lives for a resource, and the document itself.

/** The well-known suffix of RFC 9728 section 3. */
export const METADATA_SUFFIX = '/.well-known/oauth-protected-resource';

/**
 * Where the metadata of `resource` (a canonical resource URI) is served, as a path and a URL. RFC 9728
 * section 3.1: the suffix goes between the host and the resource's path, so a resource at a path has a
 * document of its own: `https://api.example.com/mcp` → `/.well-known/oauth-protected-resource/mcp`.
 * @example metadataLocation('https://api.example.com/mcp').url // 'https://api.example.com/.well-known/oauth-protected-resource/mcp'
 * @see RFC 9728 section 3.1
 */
export function metadataLocation(resource: string): { path: string; url: string } {
  const url = new URL(resource);
  const path = url.pathname === '/' ? METADATA_SUFFIX : `${METADATA_SUFFIX}${url.pathname}`;
  return { path, url: `${url.origin}${path}` };
}

/** The members of a Protected Resource Metadata document tollgate publishes (RFC 9728 section 2). */
export interface ResourceMetadataDocument {
  /** The resource identifier: exactly the URL the document describes (section 3.3). */
  readonly resource: string;
  /** Issuer identifiers of the authorization servers that issue tokens for it. */
  readonly authorization_servers?: readonly string[];
  /** The scopes its routes require (collected from the guards, or given). */
  readonly scopes_supported?: readonly string[];
  /** How a token may be sent: `header`, and `body` or `query` where the guards accept them. */
  readonly bearer_methods_supported?: readonly ('header' | 'body' | 'query')[];
  /** Signature algorithms accepted for DPoP proofs, when DPoP is on. */
  readonly dpop_signing_alg_values_supported?: readonly string[];
  /** Whether every token must be DPoP-bound. */
  readonly dpop_bound_access_tokens_required?: boolean;
  /**
   * Whether every token must be bound to a TLS client certificate (RFC 8705). The hook for mTLS: nothing
   * sets it yet; the mTLS work fills it from its own option in serve-resource-metadata.ts.
   */
  readonly tls_client_certificate_bound_access_tokens?: boolean;
  /** Human-readable name of the resource. */
  readonly resource_name?: string;
  /** A page for developers using the resource. */
  readonly resource_documentation?: string;
  /** The resource's policy on data use. */
  readonly resource_policy_uri?: string;
  /** The resource's terms of service. */
  readonly resource_tos_uri?: string;
}

/**
 * The document as sent: members in a fixed order, empty and undefined members left out, lists copied
 * and sorted where order carries no meaning (scopes), so the same configuration always gives the same bytes.
 * @see RFC 9728 section 2
 */
export function renderResourceMetadata(document: ResourceMetadataDocument): string {
  const out: Record<string, unknown> = { resource: document.resource };
  const list = (values: readonly string[] | undefined, sort: boolean) => {
    if (!values || values.length === 0) return undefined;
    const unique = [...new Set(values)];
    return sort ? unique.sort() : unique;
  };
  const members: Array<[keyof ResourceMetadataDocument, unknown]> = [
    ['authorization_servers', list(document.authorization_servers, false)],
    ['scopes_supported', list(document.scopes_supported, true)],
    ['bearer_methods_supported', list(document.bearer_methods_supported, false)],
    ['dpop_signing_alg_values_supported', list(document.dpop_signing_alg_values_supported, false)],
    ['dpop_bound_access_tokens_required', document.dpop_bound_access_tokens_required],
    ['tls_client_certificate_bound_access_tokens', document.tls_client_certificate_bound_access_tokens],
    ['resource_name', document.resource_name],
    ['resource_documentation', document.resource_documentation],
    ['resource_policy_uri', document.resource_policy_uri],
    ['resource_tos_uri', document.resource_tos_uri],
  ];
  for (const [name, value] of members) if (value !== undefined) out[name] = value;
  return JSON.stringify(out);
}
