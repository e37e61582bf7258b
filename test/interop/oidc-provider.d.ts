// oidc-provider ships no type declarations: this is the small part of its API the interop test uses,
// typed from its source (lib/provider.js, lib/helpers/defaults.js, lib/helpers/errors.js).
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';
  import type { JWK } from 'jose';

  /** A client registered at startup (OpenID Connect Dynamic Client Registration metadata names). */
  export interface ClientMetadata {
    client_id: string;
    client_secret?: string;
    grant_types?: string[];
    response_types?: string[];
    redirect_uris?: string[];
    token_endpoint_auth_method?: 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt' | 'tls_client_auth' | 'self_signed_tls_client_auth' | 'none';
    /** RFC 8705 section 2.1.2: the subject DN a tls_client_auth certificate must have. */
    tls_client_auth_subject_dn?: string;
    /** RFC 8705 section 3.4: access tokens bound to the client certificate (cnf x5t#S256). */
    tls_client_certificate_bound_access_tokens?: boolean;
    /** The client's public keys (for private_key_jwt). */
    jwks?: { keys: JWK[] };
    /** RFC 9701: the algorithm its introspection responses are signed with (needs features.jwtIntrospection). */
    introspection_signed_response_alg?: string;
    /** The algorithm of its ID tokens; must be one the provider has a key for (its default is RS256). */
    id_token_signed_response_alg?: string;
    /** RFC 8705 section 3.4: its access tokens are bound to its TLS client certificate (needs features.mTLS). */
    tls_client_certificate_bound_access_tokens?: boolean;
    /** The scopes this client may request (checked against the provider's `scopes`). */
    scope?: string;
  }

  /** The client as oidc-provider hands it to configuration callbacks. */
  export interface Client {
    readonly clientId: string;
  }

  /** What `features.resourceIndicators.getResourceServerInfo` returns for a resource indicator. */
  export interface ResourceServerInfo {
    /** The scopes this resource server accepts; requested scopes outside it are dropped. */
    scope: string;
    /** The `aud` of its access tokens; the resource indicator when absent. */
    audience?: string;
    accessTokenTTL?: number;
    accessTokenFormat?: 'opaque' | 'jwt';
    jwt?: { sign?: { alg: string; kid?: string } };
  }

  /** A stored model (token, grant, client...), as the provider writes it. */
  export interface AdapterPayload {
    [claim: string]: unknown;
    uid?: string;
    userCode?: string;
    grantId?: string;
    consumed?: number;
  }

  /** Storage of one model kind (`ClientCredentials`, `Grant`, `Client`, ...). */
  export interface Adapter {
    upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void>;
    find(id: string): Promise<AdapterPayload | undefined>;
    findByUid(uid: string): Promise<AdapterPayload | undefined>;
    findByUserCode(userCode: string): Promise<AdapterPayload | undefined>;
    consume(id: string): Promise<void>;
    destroy(id: string): Promise<void>;
    revokeByGrantId(grantId: string): Promise<void>;
  }

  export interface Configuration {
    /** A storage factory, called with each model's name. Default: a process-wide in-memory store. */
    adapter?: (name: string) => Adapter;
    clients?: ClientMetadata[];
    /** The private signing keys; the public halves are served at the `jwks_uri`. */
    jwks?: { keys: JWK[] };
    /** Scopes the provider knows; a client's `scope` metadata limits which of these it may request. */
    scopes?: string[];
    cookies?: { keys?: string[] };
    ttl?: Record<string, number>;
    /** Client authentication methods the token endpoint accepts. */
    clientAuthMethods?: string[];
    /** Extra members of the discovery document. */
    discovery?: Record<string, unknown>;
    features?: {
      devInteractions?: { enabled: boolean };
      /** RFC 7662; `allowedPolicy` decides whether the caller may see the token's details. */
      introspection?: { enabled: boolean; allowedPolicy?: (ctx: unknown, client: Client, token: unknown) => Promise<boolean> };
      /** RFC 9701 signed introspection responses. */
      jwtIntrospection?: { enabled: boolean };
      /** RFC 7009. */
      revocation?: { enabled: boolean; allowedPolicy?: (ctx: unknown, client: Client, token: unknown) => Promise<boolean> };
      clientCredentials?: { enabled: boolean };
      /** RFC 9449: DPoP-bound tokens for requests with a proof; nonces under `nonceSecret` (32 bytes) when `requireNonce` says so. */
      dPoP?: { enabled: boolean; nonceSecret?: Buffer; requireNonce?: (ctx: unknown) => boolean };
      /** RFC 8705: mutual TLS client authentication and certificate-bound tokens. */
      mTLS?: {
        enabled: boolean;
        certificateBoundAccessTokens?: boolean;
        tlsClientAuth?: boolean;
        selfSignedTlsClientAuth?: boolean;
        /** The request's client certificate (PEM or an X509Certificate). */
        getCertificate?: (ctx: { socket: unknown }) => unknown;
        certificateAuthorized?: (ctx: unknown) => boolean;
        certificateSubjectMatches?: (ctx: unknown, property: string, expected: string) => boolean;
      };
      resourceIndicators?: {
        enabled: boolean;
        defaultResource?: (ctx: unknown, client: Client, oneOf?: string[]) => Promise<string | string[] | undefined>;
        useGrantedResource?: (ctx: unknown, model: unknown) => Promise<boolean>;
        getResourceServerInfo?: (ctx: unknown, resourceIndicator: string, client: Client) => Promise<ResourceServerInfo>;
      };
    };
  }

  export class Provider {
    constructor(issuer: string, configuration?: Configuration);
    readonly issuer: string;
    /** Koa's request listener: the provider is a Koa application. */
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    on(event: 'server_error', listener: (ctx: unknown, error: Error) => void): this;
  }

  export namespace errors {
    /** RFC 8707 `invalid_target`: the resource indicator is unknown. */
    class InvalidTarget extends Error {
      constructor(description?: string);
    }
  }

  export default Provider;
}
