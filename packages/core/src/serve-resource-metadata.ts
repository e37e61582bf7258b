// Serves a verifier's Protected Resource Metadata (RFC 9728): the framework-neutral response every adapter sends.
import type { Verifier } from './create-verifier.js';
import { TollgateConfigError } from './errors.js';
import { isVerifier, type DefaultConfiguration } from './guard.js';
import { resolveAdapterOptions, type AdapterOptions } from './adapter-support.js';
import { renderResourceMetadata } from './lib/resource-metadata.js';
import type { ResourceMetadataDocument } from './resource-metadata.js';
import { recordedScopes } from './lib/scope-registry.js';

/** A response to a request for the metadata document: status, headers and body (empty for HEAD, OPTIONS and 405). */
export interface MetadataResponse {
  /** 200 (GET, HEAD), 204 (OPTIONS) or 405 (any other method). */
  readonly status: number;
  /** `Content-Type`, `Cache-Control` and CORS headers; `Allow` on 204 and 405. */
  readonly headers: Readonly<Record<string, string>>;
  /** The JSON document for GET; `''` otherwise. */
  readonly body: string;
}

/** Answers requests for one verifier's metadata document; see {@link createMetadataResponder}. */
export interface MetadataResponder {
  /** The path the document is served at (RFC 9728 section 3.1), e.g. `/.well-known/oauth-protected-resource/mcp`. */
  readonly path: string;
  /** The document's absolute URL, as sent in challenges' `resource_metadata`. */
  readonly url: string;
  /**
   * The response for a request, or `undefined` when `rawPath` is not exactly the document's path (the
   * request is not for it: pass it on). `rawPath` is the request's path as sent, not decoded nor
   * normalised, without the query: `..` segments, `%2F` or a different case never match.
   */
  respond(method: string, rawPath: string): MetadataResponse | undefined;
  /** The document as it would be served now (scopes collected so far included). */
  document(): ResourceMetadataDocument;
}

const ALLOW = 'GET, HEAD, OPTIONS';

/**
 * Builds the responder behind every adapter's metadata route, for a verifier made with `resource` (and
 * `metadata` not `false`). `scopes_supported` is, unless given, what the verifier's guards require (and
 * those of the adapter's standalone guards while `configure()` holds this verifier or none), read at each request. The document is
 * public: `Access-Control-Allow-Origin: *`, cacheable for `metadata.cacheMaxAge`.
 * @param verifier - the verifier whose `resource` the document describes
 * @param defaults - the adapter's `configure()` defaults, whose standalone guards' scopes count while they hold this verifier
 * @example
 * const metadata = createMetadataResponder(verifier);
 * const answer = metadata.respond(req.method, new URL(req.url, 'http://x').pathname);
 * @see RFC 9728 sections 2, 3 and 3.1
 */
export function createMetadataResponder(verifier: Verifier, defaults?: DefaultConfiguration): MetadataResponder {
  const { metadata, resource, dpop } = verifier.options;
  if (!metadata || !resource) {
    throw new TollgateConfigError(
      resource ? 'tollgate: protected resource metadata is off for this verifier (metadata: false); remove it or the metadata route' : "tollgate: protected resource metadata needs the verifier's resource option (its canonical URI, e.g. resource: 'https://api.example.com/mcp')",
    );
  }
  // The adapter's standalone guards (requireScope after requireAuth) count while configure() names this
  // verifier, or names none: they then run on the decisions of the app's requireAuth, i.e. of this verifier.
  const standaloneScopesCount = (): boolean => defaults !== undefined && (defaults.configured === undefined || defaults.configured === verifier);
  const document = (): ResourceMetadataDocument => ({
    resource,
    authorization_servers: metadata.authorizationServers,
    scopes_supported: metadata.scopesSupported ?? recordedScopes(verifier, standaloneScopesCount() ? defaults : undefined),
    // The guards read tokens from the header by default; query and body are per-route opt-ins, not advertised.
    bearer_methods_supported: ['header'],
    ...(dpop ? { dpop_signing_alg_values_supported: dpop.algorithms, dpop_bound_access_tokens_required: dpop.required } : {}),
    resource_name: metadata.resourceName,
    resource_documentation: metadata.resourceDocumentation,
    resource_policy_uri: metadata.resourcePolicyUri,
    resource_tos_uri: metadata.resourceTosUri,
  });
  const cors = { 'Access-Control-Allow-Origin': '*' };
  const json = { 'Content-Type': 'application/json', 'X-Content-Type-Options': 'nosniff' };
  return Object.freeze({
    path: metadata.path,
    url: metadata.url,
    document,
    respond(method: string, rawPath: string): MetadataResponse | undefined {
      // Exact, on the raw path: a decoded or normalised path would let '/x/../' or '%2F' spellings reach the document.
      if (rawPath !== metadata.path) return undefined;
      if (method === 'GET' || method === 'HEAD') {
        const body = renderResourceMetadata(document());
        return { status: 200, headers: { ...json, ...cors, 'Cache-Control': `public, max-age=${metadata.cacheMaxAge}` }, body: method === 'GET' ? body : '' };
      }
      if (method === 'OPTIONS') {
        return {
          status: 204,
          headers: { ...cors, Allow: ALLOW, 'Access-Control-Allow-Methods': ALLOW, 'Access-Control-Allow-Headers': '*', 'Access-Control-Max-Age': '86400' },
          body: '',
        };
      }
      return { status: 405, headers: { ...cors, Allow: ALLOW, 'Cache-Control': 'no-store' }, body: '' };
    },
  });
}

/**
 * The responder of an adapter's metadata middleware: for the verifier given (or made from options), or,
 * given nothing, for `configure()`'s verifier, which must then be set already (a startup error otherwise).
 * @example const metadata = metadataResponderFor(options, defaults); // in protectedResourceMetadata(options?)
 */
export function metadataResponderFor(source: AdapterOptions | Verifier | undefined, defaults: DefaultConfiguration): MetadataResponder {
  if (source === undefined) {
    const verifier = defaults.configured;
    if (!verifier) throw new TollgateConfigError(`${defaults.packageName}: protectedResourceMetadata() has no verifier: pass it the verifier (protectedResourceMetadata(verifier)) or call configure() before it`);
    return createMetadataResponder(verifier, defaults);
  }
  return createMetadataResponder(isVerifier(source) ? source : resolveAdapterOptions(source).verifier, defaults);
}
