// Protected Resource Metadata (RFC 9728): where the document lives for a resource, and the document itself.
import type { ResourceMetadataDocument } from '../resource-metadata.js';

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
