// The `resource` side of the options: Protected Resource Metadata (RFC 9728) settings and scope hierarchies.

/**
 * The members of the Protected Resource Metadata document you choose (RFC 9728 section 2); `resource`,
 * `bearer_methods_supported` and the DPoP members come from the verifier's own options.
 * @example metadata: { resourceName: 'Orders MCP server', resourceDocumentation: 'https://docs.example.com/mcp' }
 * @see RFC 9728 section 2
 */
export interface ResourceMetadataOptions {
  /**
   * `authorization_servers`: issuer identifiers of the servers that issue tokens for this resource.
   * Default: the `issuer` list. Required with an issuer pattern or function (a client cannot use a pattern).
   */
  authorizationServers?: readonly string[];
  /**
   * `scopes_supported`. Default: collected from the scopes this verifier's guards require (`requireScope`,
   * `requireAnyScope`, Fastify's route `scopes`...), so the document follows the code. `offline_access`
   * is never listed.
   */
  scopesSupported?: readonly string[];
  /** `resource_name`: a human-readable name, e.g. `'Orders API'`. */
  resourceName?: string;
  /** `resource_documentation`: an https URL of developer documentation. */
  resourceDocumentation?: string;
  /** `resource_policy_uri`: an https URL of the data-use policy. */
  resourcePolicyUri?: string;
  /** `resource_tos_uri`: an https URL of the terms of service. */
  resourceTosUri?: string;
  /** `Cache-Control: max-age` of the document, in seconds or as text (`'5m'`). Default `'1h'`, at most `'1d'`. */
  cacheMaxAge?: number | string;
}

/** The metadata settings after validation: where the document lives and what it says. Frozen. */
export interface ResolvedResourceMetadata {
  /** The document's URL (RFC 9728 section 3.1), sent as `resource_metadata` in challenges. */
  readonly url: string;
  /** The document's path on the resource's origin, e.g. `/.well-known/oauth-protected-resource/mcp`. */
  readonly path: string;
  /** `authorization_servers`. */
  readonly authorizationServers: readonly string[];
  /** `scopes_supported` as given; `undefined`: collected from the guards. */
  readonly scopesSupported: readonly string[] | undefined;
  /** `resource_name`. */
  readonly resourceName: string | undefined;
  /** `resource_documentation`. */
  readonly resourceDocumentation: string | undefined;
  /** `resource_policy_uri`. */
  readonly resourcePolicyUri: string | undefined;
  /** `resource_tos_uri`. */
  readonly resourceTosUri: string | undefined;
  /** `Cache-Control: max-age` of the document, in seconds. */
  readonly cacheMaxAge: number;
}

/**
 * Decides whether the scopes a token grants satisfy one required scope, beyond an exact match. Called
 * with the token's scopes and the scope a route requires; only a return of exactly `true` grants it. A
 * throw, a promise or any other value counts as not granted (403), and is reported once as a process
 * warning: a broken rule never opens a route.
 * @example grants: (granted, required) => granted.includes('admin') && required.startsWith('orders:')
 */
export type ScopeGrantFunction = (granted: readonly string[], required: string) => boolean;

/**
 * Scopes that stand for other scopes, honoured by `requireScope`, `requireAnyScope`, `hasScopes` through
 * the verifier, and every adapter. An exact match always counts.
 * @example scopeHierarchy: { implies: { 'orders:admin': ['orders:read', 'orders:write'] }, wildcards: true }
 * @see RFC 6749 section 3.3
 */
export interface ScopeHierarchy {
  /** A granted scope (key) also grants the scopes listed, transitively: `{ admin: ['orders:admin'], 'orders:admin': ['orders:read'] }`. */
  implies?: Readonly<Record<string, readonly string[]>>;
  /** `true`: a granted `prefix:*` grants every scope that starts with `prefix:` (`orders:*` grants `orders:read`). A bare `*` never does. */
  wildcards?: boolean;
  /** Your own rule, asked for each required scope no exact match, `implies` or wildcard granted. */
  grants?: ScopeGrantFunction;
}

/** Whether a token's scopes satisfy one required scope, with the hierarchy applied. */
export type ScopeMatcher = (granted: readonly string[], required: string) => boolean;

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
