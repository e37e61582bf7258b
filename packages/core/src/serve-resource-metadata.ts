// Serves a verifier's Protected Resource Metadata (RFC 9728): the framework-neutral response every adapter sends.
import type { Verifier } from './create-verifier.js';
import { TollgateConfigError } from './errors.js';
import { isVerifier, type DefaultConfiguration } from './guard.js';
import { configuredFrom, resolveAdapterOptions, type AdapterOptions } from './adapter-support.js';
import { renderResourceMetadata } from './lib/resource-metadata.js';
import type { ResourceMetadataDocument } from './resource-metadata.js';
import { recordedScopes, sealScopes } from './lib/scope-registry.js';

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
 * `metadata` not `false`). `scopes_supported` is, unless given (`metadata.scopesSupported`), what the guards
 * declared for this verifier before it served its first request require: guards given the verifier, and
 * standalone guards declared while `configure()` held it (or before, once `configure()` holds it). A
 * standalone guard with no `configure()` is decided by whichever verifier ran before it on a request, so
 * its scopes are nobody's to list: while there are such guards and no `configure()`, the member is left
 * out. Guards made after the verifier served a request (e.g. per request) are never listed. The document is public: `Access-Control-Allow-Origin: *`, cacheable for `metadata.cacheMaxAge`.
 * Given several verifiers (one API guarded by several registrations), their documents must be the same
 * but for the scopes, which are merged; anything else is a TollgateConfigError naming both.
 * @param verifier - the verifier whose `resource` the document describes, or several of one resource
 * @param defaults - the adapter's `configure()` defaults, whose standalone guards' scopes count while they hold this verifier
 * @example
 * const metadata = createMetadataResponder(verifier);
 * const answer = metadata.respond(req.method, new URL(req.url, 'http://x').pathname);
 * @see RFC 9728 sections 2, 3 and 3.1
 */
export function createMetadataResponder(verifier: Verifier | readonly Verifier[], defaults?: DefaultConfiguration): MetadataResponder {
  const verifiers = Array.isArray(verifier) ? (verifier as readonly Verifier[]) : [verifier as Verifier];
  if (verifiers.length === 0) throw new TollgateConfigError('tollgate: createMetadataResponder needs a verifier');
  const first = verifiers[0]!;
  for (const one of verifiers) {
    const { metadata, resource } = one.options;
    if (!metadata || !resource) {
      throw new TollgateConfigError(
        resource ? 'tollgate: protected resource metadata is off for this verifier (metadata: false); remove it or the metadata route' : "tollgate: protected resource metadata needs the verifier's resource option (its canonical URI, e.g. resource: 'https://api.example.com/mcp')",
      );
    }
  }
  const metadata = first.options.metadata!;
  const resource = first.options.resource!;
  const fixedPart = (one: Verifier): ResourceMetadataDocument => {
    const options = one.options;
    return {
      resource: options.resource!,
      authorization_servers: options.metadata!.authorizationServers,
      scopes_supported: options.metadata!.scopesSupported,
      // The guards read tokens from the header by default; query and body are per-route opt-ins, not advertised.
      bearer_methods_supported: ['header'],
      ...(options.dpop ? { dpop_signing_alg_values_supported: options.dpop.algorithms, dpop_bound_access_tokens_required: options.dpop.required } : {}),
      resource_name: options.metadata!.resourceName,
      resource_documentation: options.metadata!.resourceDocumentation,
      resource_policy_uri: options.metadata!.resourcePolicyUri,
      resource_tos_uri: options.metadata!.resourceTosUri,
    };
  };
  const expected = renderResourceMetadata(fixedPart(first));
  for (const other of verifiers.slice(1)) {
    const o = other.options.metadata!;
    const rendered = renderResourceMetadata(fixedPart(other));
    if (rendered !== expected || o.path !== metadata.path || o.cacheMaxAge !== metadata.cacheMaxAge) {
      // Which members differ, by name only: both documents are public, but the message stays short.
      const a = JSON.parse(expected) as Record<string, unknown>;
      const b = JSON.parse(rendered) as Record<string, unknown>;
      const differ = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((key) => JSON.stringify(a[key]) !== JSON.stringify(b[key]));
      if (o.cacheMaxAge !== metadata.cacheMaxAge) differ.push('cacheMaxAge');
      throw new TollgateConfigError(
        `tollgate: two verifiers serve different protected resource metadata at ${metadata.path} (the first for ${JSON.stringify(resource)}, the second for ${JSON.stringify(other.options.resource)}; they differ in ${differ.join(', ') || 'path'}); give them the same resource and metadata options, or pass the same verifier to both`,
      );
    }
  }
  // Standalone guards declared with no configure() go by whichever verifier decided the request first:
  // which one is a matter of routing, not of this document, so their scopes are not this verifier's to list.
  const scopes = (): string[] | undefined => {
    if (metadata.scopesSupported) return [...metadata.scopesSupported];
    const configured = defaults?.configured;
    const unattributed = defaults ? recordedScopes(defaults) : [];
    if (defaults && configured === undefined && unattributed.length > 0) return undefined;
    const own = recordedScopes(...verifiers);
    return configured !== undefined && verifiers.includes(configured) ? [...new Set([...own, ...unattributed])] : own;
  };
  const document = (): ResourceMetadataDocument => ({ ...fixedPart(first), scopes_supported: scopes() });
  const cors = { 'Access-Control-Allow-Origin': '*' };
  const json = { 'Content-Type': 'application/json', 'X-Content-Type-Options': 'nosniff' };
  return Object.freeze({
    path: metadata.path,
    url: metadata.url,
    document,
    respond(method: string, rawPath: string): MetadataResponse | undefined {
      // Exact, on the raw path: a decoded or normalised path would let '/x/../' or '%2F' spellings reach the document.
      if (rawPath !== metadata.path) return undefined;
      // Served now: guards declared from here on are traffic, not the app's code.
      for (const one of verifiers) sealScopes(one);
      if (defaults?.configured && verifiers.includes(defaults.configured)) sealScopes(defaults);
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
 * The responder of an adapter's metadata middleware: for the verifier given; for options, `configure()`'s
 * verifier when `configure()` was given that very object, else one made from them (a startup error when
 * `configure()` holds another verifier of the same resource: pass the verifier); given nothing, for
 * `configure()`'s verifier, which must then be set already (a startup error otherwise).
 * @example const metadata = metadataResponderFor(options, defaults); // in protectedResourceMetadata(options?)
 */
export function metadataResponderFor(source: AdapterOptions | Verifier | undefined, defaults: DefaultConfiguration): MetadataResponder {
  if (source === undefined) {
    const verifier = defaults.configured;
    if (!verifier) throw new TollgateConfigError(`${defaults.packageName}: protectedResourceMetadata() has no verifier: pass it the verifier (protectedResourceMetadata(verifier)) or call configure() before it`);
    return createMetadataResponder(verifier, defaults);
  }
  if (isVerifier(source)) return createMetadataResponder(source, defaults);
  // The options configure() was given stand for its verifier: a second verifier would describe none of the routes.
  if (defaults.configured && configuredFrom(defaults) === source) return createMetadataResponder(defaults.configured, defaults);
  const verifier = resolveAdapterOptions(source).verifier;
  const responder = createMetadataResponder(verifier, defaults);
  if (defaults.configured?.options.resource !== undefined && defaults.configured.options.resource === verifier.options.resource) {
    throw new TollgateConfigError(
      `${defaults.packageName}: protectedResourceMetadata(options) would build a second verifier for ${verifier.options.resource}, whose guards are configure()'s verifier's; pass that verifier (const verifier = configure(options); protectedResourceMetadata(verifier))`,
    );
  }
  return responder;
}
