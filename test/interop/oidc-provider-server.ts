// A real, independent authorization server for the interop test: oidc-provider on 127.0.0.1, issuing
// RFC 9068 JWT access tokens through the client_credentials grant for RFC 8707 resource indicators.
import { randomBytes, X509Certificate } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type ServerOptions as HttpsServerOptions } from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import Provider, { errors, type ClientMetadata, type ResourceServerInfo } from 'oidc-provider';
import { memoryAdapter } from './memory-adapter.js';

/** The API under test: its resource indicator is the `aud` of its tokens. */
export const ORDERS_API = 'https://orders.api.test';
/** Another API of the same issuer, for tokens that must not be accepted by the orders API. */
export const BILLING_API = 'https://billing.api.test';

/** The algorithms the provider signs access tokens with here. */
export type SigningAlgorithm = 'RS256' | 'ES256';

/** A private signing key for the provider, with its `kid`. */
export interface SigningKey {
  readonly kid: string;
  readonly alg: SigningAlgorithm;
  /** The private JWK (with `kid`, `alg`, `use`), as oidc-provider's `jwks` option takes it. */
  readonly jwk: JWK;
}

/** A registered client: how it authenticates at the token endpoint and what it may ask for. */
export interface InteropClient {
  readonly id: string;
  readonly secret: string;
  readonly authMethod: 'client_secret_basic' | 'client_secret_post';
  /** Space-delimited scopes this client may be granted. */
  readonly scope: string;
  /** The algorithm of the access tokens issued to this client (chosen per client by the resource server info). */
  readonly tokenAlg: SigningAlgorithm;
}

/** Client A: reads and writes orders, RS256 tokens, credentials in the Authorization header (RFC 6749 section 2.3.1). */
export const CLIENT_A: InteropClient = {
  id: 'client-a',
  secret: 'client-a-secret-for-tests-only',
  authMethod: 'client_secret_basic',
  scope: 'orders:read orders:write billing:read',
  tokenAlg: 'RS256',
};

/** Client B: reads orders only, ES256 tokens, credentials in the form body. */
export const CLIENT_B: InteropClient = {
  id: 'client-b',
  secret: 'client-b-secret-for-tests-only',
  authMethod: 'client_secret_post',
  scope: 'orders:read',
  tokenAlg: 'ES256',
};

/** Client O: its access tokens for the orders API are opaque (introspected), credentials in the Authorization header. */
export const CLIENT_O: InteropClient = {
  id: 'client-o',
  secret: 'client-o-secret-for-tests-only',
  authMethod: 'client_secret_basic',
  scope: 'orders:read orders:write',
  tokenAlg: 'RS256',
};

const CLIENTS = [CLIENT_A, CLIENT_B, CLIENT_O];

/**
 * The orders API's own clients at the provider, one per introspection client authentication. The basic
 * client's id and secret hold characters that RFC 6749 section 2.3.1's form-urlencoding changes.
 */
export const API_CLIENTS = {
  basic: { id: 'orders api+basic', secret: 'api secret: with + and %, for tests only' },
  post: { id: 'orders-api-post', secret: 'orders-api-post-secret-for-tests-only' },
  privateKeyJwt: { id: 'orders-api-jwt' },
  /** Its introspection responses are signed (RFC 9701), with ES256. */
  signed: { id: 'orders-api-signed', secret: 'orders-api-signed-secret-for-tests-only' },
} as const;

// What each resource server accepts; oidc-provider drops requested scopes that are not listed.
const RESOURCE_SCOPES: Readonly<Record<string, string>> = {
  [ORDERS_API]: 'orders:read orders:write',
  [BILLING_API]: 'billing:read',
};

/** Lifetime of the issued access tokens, in seconds. */
export const ACCESS_TOKEN_TTL = 600;

/**
 * Generates a private signing key for the provider's `jwks`.
 * @example const key = await generateSigningKey('rsa-1', 'RS256');
 */
export async function generateSigningKey(kid: string, alg: SigningAlgorithm): Promise<SigningKey> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  return { kid, alg, jwk: { ...(await exportJWK(privateKey)), kid, alg, use: 'sig' } };
}

/** The registrations of {@link API_CLIENTS}: no grant of their own, they only introspect. */
function apiClients(apiKey: JWK): ClientMetadata[] {
  const base = { grant_types: [], response_types: [], redirect_uris: [] };
  return [
    { ...base, client_id: API_CLIENTS.basic.id, client_secret: API_CLIENTS.basic.secret, token_endpoint_auth_method: 'client_secret_basic' },
    { ...base, client_id: API_CLIENTS.post.id, client_secret: API_CLIENTS.post.secret, token_endpoint_auth_method: 'client_secret_post' },
    { ...base, client_id: API_CLIENTS.privateKeyJwt.id, token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [apiKey] } },
    {
      ...base,
      client_id: API_CLIENTS.signed.id,
      client_secret: API_CLIENTS.signed.secret,
      token_endpoint_auth_method: 'client_secret_basic',
      introspection_signed_response_alg: 'ES256',
    },
  ];
}

/** A running provider. */
export interface OidcProviderServer {
  /** `http://127.0.0.1:<port>`: no trailing slash, exactly as the provider writes it into `iss` and its metadata. */
  readonly issuer: string;
  readonly port: number;
  /** How many requests reached each path (`/jwks`, `/.well-known/openid-configuration`, ...). */
  hits(path: string): number;
  /** Names of the errors the provider hit while serving (its 500s); empty when all went well. */
  readonly serverErrors: readonly string[];
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

/** Options of {@link startOidcProvider}. */
export interface StartOptions {
  /** The signing keys, in the order of the published JWKS; the first one of an algorithm signs. */
  keys: readonly SigningKey[];
  /** The port to listen on: `0` for an ephemeral one, or the previous port to restart under the same issuer. */
  port?: number;
  /**
   * Turns on introspection (RFC 7662), signed introspection responses (RFC 9701) and revocation (RFC 7009),
   * and registers the {@link API_CLIENTS}; `apiKey` is the public JWK of the private_key_jwt client.
   */
  introspection?: { apiKey: JWK };
  /** More client registrations (e.g. a private_key_jwt client of the client_credentials grant). */
  clients?: readonly ClientMetadata[];
  /** `true`: DPoP proofs at the token endpoint must carry the provider's nonce (RFC 9449 section 8). */
  dpopNonce?: boolean;
  /**
   * Serve HTTPS with these options (requestCert) and turn on mutual TLS (RFC 8705): tls_client_auth (the
   * subject DN of a CA-verified certificate), self_signed_tls_client_auth, certificate-bound tokens, and
   * `mtls_endpoint_aliases.token_endpoint` at `/mtls/token` (served by the same token endpoint).
   */
  tls?: HttpsServerOptions;
  /**
   * More resource servers the provider issues tokens for: resource indicator (RFC 8707) to the space-delimited
   * scopes it accepts (each one of the provider's `scopes`), e.g. an MCP server's URL known only at run time.
   */
  resources?: Readonly<Record<string, string>>;
}

/** The client certificate of the request's TLS connection, if one was presented. */
function peerCertificate(ctx: unknown): X509Certificate | undefined {
  const socket = (ctx as { socket?: Partial<TLSSocket> }).socket;
  const raw = socket?.getPeerCertificate?.()?.raw;
  return raw ? new X509Certificate(raw) : undefined;
}

/**
 * Starts oidc-provider on 127.0.0.1 with an `http:` issuer. oidc-provider accepts any web URI as its
 * issuer; `proxy` stays off because nothing sits in front of it (the requests really are plain http).
 * @example
 * const server = await startOidcProvider({ keys: [await generateSigningKey('k1', 'RS256')] });
 * // ... server.issuer is 'http://127.0.0.1:<port>'
 * await server.close();
 */
export async function startOidcProvider(options: StartOptions): Promise<OidcProviderServer> {
  const hits = new Map<string, number>();
  // The issuer needs the port, and the port is known once listening: the listener is set just after.
  let listener: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    // The mTLS alias is the same endpoint under another path, so a test can tell which one a client used.
    if (options.tls && path === '/mtls/token') req.url = '/token';
    // No keep-alive: after a restart on the same port a client could otherwise reuse a pooled socket that
    // the old server has just closed ("other side closed"), a race of the test's making, not of the code under test.
    res.setHeader('connection', 'close');
    if (listener) listener(req, res);
    else res.writeHead(503).end();
  };
  const server: Server = options.tls ? (createHttpsServer(options.tls, handle) as unknown as Server) : createServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const issuer = `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`;

  const resourceScopes: Readonly<Record<string, string>> = { ...RESOURCE_SCOPES, ...options.resources };
  const provider = new Provider(issuer, {
    adapter: memoryAdapter(new Map()),
    clients: [
      ...CLIENTS.map((client) => ({
        client_id: client.id,
        client_secret: client.secret,
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: client.authMethod,
        scope: client.scope,
      })),
      ...(options.introspection ? apiClients(options.introspection.apiKey) : []),
      ...(options.clients ?? []),
    ],
    jwks: { keys: options.keys.map((key) => key.jwk) },
    // Listing the scopes makes each client's `scope` metadata an allow-list: client B cannot get orders:write.
    scopes: ['orders:read', 'orders:write', 'billing:read'],
    // Cookies are only for interactive flows, which are all off here; a fixed key avoids the provider's warning.
    cookies: { keys: ['interop-test-cookie-key'] },
    ttl: { ClientCredentials: ACCESS_TOKEN_TTL },
    ...(options.tls
      ? {
          discovery: { mtls_endpoint_aliases: { token_endpoint: `${issuer}/mtls/token` } },
          clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'tls_client_auth', 'self_signed_tls_client_auth'],
        }
      : {}),
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      // RFC 9449: on by default in oidc-provider 9; nonces only when asked, under a secret of this run.
      ...(options.tls
        ? {
            mTLS: {
              enabled: true,
              certificateBoundAccessTokens: true,
              tlsClientAuth: true,
              selfSignedTlsClientAuth: true,
              getCertificate: (ctx: unknown) => peerCertificate(ctx),
              certificateAuthorized: (ctx: unknown) => (ctx as { socket?: Partial<TLSSocket> }).socket?.authorized === true,
              certificateSubjectMatches: (ctx: unknown, property: string, expected: string) => property === 'tls_client_auth_subject_dn' && peerCertificate(ctx)?.subject === expected,
            },
          }
        : {}),
      dPoP: { enabled: true, ...(options.dpopNonce ? { nonceSecret: randomBytes(32), requireNonce: () => true } : {}) },
      ...(options.introspection
        ? {
            // Every registered client may introspect (the default policy logs a reminder to decide this).
            introspection: { enabled: true, allowedPolicy: async () => true },
            jwtIntrospection: { enabled: true },
            // A client revokes only its own tokens (the default policy, without its reminder in the log).
            revocation: { enabled: true, allowedPolicy: async (_ctx, client, token) => (token as { clientId?: string }).clientId === client.clientId },
          }
        : {}),
      resourceIndicators: {
        enabled: true,
        // RFC 8707: no resource, no JWT; tokens are only minted for a named API.
        defaultResource: async () => undefined,
        useGrantedResource: async () => false,
        async getResourceServerInfo(_ctx, resourceIndicator, client): Promise<ResourceServerInfo> {
          const scope = Object.hasOwn(resourceScopes, resourceIndicator) ? resourceScopes[resourceIndicator] : undefined;
          if (scope === undefined) throw new errors.InvalidTarget();
          const alg = CLIENTS.find((c) => c.id === client.clientId)?.tokenAlg ?? 'RS256';
          // Client O's tokens are opaque: a handle the API can only check by introspection.
          if (client.clientId === CLIENT_O.id) return { scope, audience: resourceIndicator, accessTokenFormat: 'opaque', accessTokenTTL: ACCESS_TOKEN_TTL };
          return { scope, audience: resourceIndicator, accessTokenFormat: 'jwt', accessTokenTTL: ACCESS_TOKEN_TTL, jwt: { sign: { alg } } };
        },
      },
    },
  });
  const serverErrors: string[] = [];
  provider.on('server_error', (_ctx, error) => serverErrors.push(error.name));
  listener = provider.callback();

  return {
    issuer: provider.issuer,
    port,
    hits: (path) => hits.get(path) ?? 0,
    serverErrors,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
