// The test issuer's token endpoint: the client credentials grant with three kinds of client authentication.
import type { KeyObject } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CryptoKey, JSONWebKeySet } from 'jose';
import { ASSERTION_ALGORITHMS, authenticateClient, type AuthenticationContext } from './lib/client-authentication.js';
import { registerClients } from './lib/client-registry.js';
import { readFormBody } from './lib/form-body.js';
import { checkTokenRequestProof } from './lib/dpop-token-proof.js';
import { ReplayGuard } from './lib/replay-guard.js';
import { parseScope } from './lib/scope.js';
import { TokenRequestError } from './lib/token-error.js';

export type { TokenErrorCode } from './lib/token-error.js';

/** How a client proves its identity at the token endpoint (RFC 7591 section 2 names). */
export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt';

/** Every method the token endpoint accepts, as advertised in the metadata. */
export const TOKEN_ENDPOINT_AUTH_METHODS: readonly ClientAuthMethod[] = ['client_secret_basic', 'client_secret_post', 'private_key_jwt'];
/** Algorithms accepted for private_key_jwt assertions, as advertised in the metadata. */
export const TOKEN_ENDPOINT_AUTH_ALGORITHMS: readonly string[] = ASSERTION_ALGORITHMS;

/**
 * A client registered with the test issuer, for the client credentials grant.
 * @example
 * const issuer = await createTestIssuer({
 *   clients: [{ clientId: 'billing', clientSecret: 's3cret', scopes: ['orders:read'] }],
 * });
 * @see RFC 6749 section 2.3, RFC 7523 section 2.2
 */
export interface TestClient {
  /** The `client_id` the client authenticates as. */
  clientId: string;
  /** The shared secret of client_secret_basic and client_secret_post. */
  clientSecret?: string;
  /** Public keys that verify the client's assertions (private_key_jwt); or give `publicKey`. */
  jwks?: JSONWebKeySet;
  /** The public key that verifies the client's assertions (private_key_jwt). */
  publicKey?: CryptoKey | KeyObject;
  /** Every scope the client may be granted; a request without `scope` gets all of them. */
  scopes: readonly string[];
  /** Default: `private_key_jwt` when a key is given, else `client_secret_basic`. One method per client. */
  authMethod?: ClientAuthMethod;
  /** Grant types the client may use. Default `['client_credentials']`; leave it out to get unauthorized_client. */
  grantTypes?: readonly string[];
  /** Lifetime of the client's access tokens, in seconds. Default 300. */
  tokenLifetime?: number;
  /** `aud` of the client's access tokens. Default: the issuer's audience. */
  audience?: string;
  /**
   * `true`: every token request of this client must carry a DPoP proof (RFC 9449 section 5.2's
   * `dpop_bound_access_tokens`); without one it gets 400 invalid_request. Default `false`: a request
   * with a proof gets a DPoP-bound token, one without gets a Bearer token.
   */
  dpopBoundAccessTokens?: boolean;
  /**
   * Resource indicators (RFC 8707) the client may ask a token for with the `resource` parameter; such a
   * token's `aud` is that resource. A `resource` not listed here (or any, without this list) is refused
   * with `invalid_target`. Default: none.
   * @example { clientId: 'agent', clientSecret: 's3cret', scopes: ['mcp'], resources: ['https://mcp.example.com/mcp'] }
   * @see RFC 8707 section 2
   */
  resources?: readonly string[];
}

/** What the endpoint needs from its issuer. */
export interface TokenEndpointSettings {
  /** The endpoint's own URL: an accepted `aud` of client assertions. */
  url: string;
  /** The issuer identifier: also accepted as `aud` of client assertions. */
  issuer: string;
  clients: readonly TestClient[];
  /** Signs an access token with the issuer's key. */
  mint(claims: Record<string, unknown>, expiresIn: number): Promise<string>;
  /** Largest request body, in bytes. Default 16 KiB. */
  maxBodyBytes?: number;
  /** Milliseconds since the epoch. Default `Date.now`. */
  now?: () => number;
  /** The DPoP nonce required now (RFC 9449 section 8), or `undefined` for none. Default: none. */
  dpopNonce?: () => string | undefined;
}

/**
 * Creates the request handler of `POST {issuer}/oauth/token` for the client credentials grant.
 * Throws a TypeError at once when a client is misconfigured.
 * @example
 * const handle = createTokenEndpoint({ url, issuer, clients, mint: (claims, expiresIn) => sign(claims, { expiresIn }) });
 * @see RFC 6749 section 4.4 (client credentials grant), section 5 (responses)
 */
export function createTokenEndpoint(settings: TokenEndpointSettings): (req: IncomingMessage, res: ServerResponse) => void {
  const context: AuthenticationContext = {
    clients: registerClients(settings.clients),
    audiences: [settings.url, settings.issuer],
    replay: new ReplayGuard(),
    realm: 'test issuer',
    now: settings.now ?? Date.now,
  };
  const maxBodyBytes = settings.maxBodyBytes ?? 16 * 1024;
  const dpopNonce = settings.dpopNonce ?? (() => undefined);
  const dpop = { url: settings.url, nonce: dpopNonce, replay: new ReplayGuard(), now: context.now };

  async function respond(req: IncomingMessage): Promise<Record<string, unknown>> {
    // RFC 6749 section 3.2: the client MUST use POST.
    if (req.method !== 'POST') {
      req.resume();
      throw new TokenRequestError('invalid_request', 'use POST', { status: 405, headers: { allow: 'POST' } });
    }
    // Section 2.3.1: credentials never in the URL, where they end up in logs.
    if (new URL(req.url ?? '/', 'http://127.0.0.1').search !== '') {
      req.resume();
      throw new TokenRequestError('invalid_request', 'parameters belong in the body, not the URL');
    }
    const params = await readFormBody(req, maxBodyBytes);
    // RFC 9449 section 5: a request with a proof gets a token bound to the proof's key.
    const jkt = await checkTokenRequestProof(req, dpop);
    const grantType = params.get('grant_type');
    if (grantType === undefined) throw new TokenRequestError('invalid_request', 'grant_type is required');
    if (grantType !== 'client_credentials') throw new TokenRequestError('unsupported_grant_type', 'only client_credentials is supported');
    const client = await authenticateClient(req.headers.authorization, params, context);
    if (client.dpopBoundAccessTokens && jkt === undefined) throw new TokenRequestError('invalid_request', 'this client must send a DPoP proof');
    if (!client.grantTypes.includes('client_credentials')) {
      throw new TokenRequestError('unauthorized_client', 'this client may not use client_credentials');
    }
    const requested = params.get('scope');
    const scopes = requested === undefined ? [...client.scopes] : parseScope(requested);
    if (!scopes) throw new TokenRequestError('invalid_scope', 'malformed scope');
    const refused = scopes.filter((scope) => !client.scopes.includes(scope));
    if (refused.length > 0) throw new TokenRequestError('invalid_scope', `scope not allowed for this client: ${refused.join(' ')}`);
    const scope = scopes.join(' ');
    const claims: Record<string, unknown> = { sub: client.clientId, client_id: client.clientId, scope };
    if (client.audience !== undefined) claims.aud = client.audience;
    // RFC 9449 section 6.1: the token names the key's thumbprint.
    if (jkt !== undefined) claims.cnf = { jkt };
    // RFC 8707 section 2: the token is for the resource asked for, and only a resource the client may use.
    const resource = params.get('resource');
    if (resource !== undefined) {
      if (!client.resources.includes(resource)) throw new TokenRequestError('invalid_target', 'resource not allowed for this client');
      claims.aud = resource;
    }
    const accessToken = await settings.mint(claims, client.tokenLifetime);
    // Section 5.1; RFC 9449 section 5: token_type DPoP for a bound token.
    return { access_token: accessToken, token_type: jkt === undefined ? 'Bearer' : 'DPoP', expires_in: client.tokenLifetime, scope };
  }

  return (req, res) => {
    respond(req).then(
      (body) => {
        // RFC 9449 section 8: the nonce may be sent on any answer, so a client keeps the current one.
        const nonce = dpopNonce();
        send(res, 200, body, nonce === undefined ? {} : { 'dpop-nonce': nonce });
      },
      (error: unknown) => {
        if (error instanceof TokenRequestError) {
          const nonce = error.code === 'use_dpop_nonce' ? dpopNonce() : undefined;
          send(res, error.status, { error: error.code, error_description: error.message }, nonce === undefined ? error.headers : { ...error.headers, 'dpop-nonce': nonce });
        } else {
          // Never a stack or an internal message in a response.
          send(res, 500, { error: 'server_error', error_description: 'the token endpoint failed' }, {});
        }
      },
    );
  };
}

/** Sends a JSON answer of the token or introspection endpoint, never cached (RFC 6749 section 5.1, RFC 7662 section 2.2). */
export function send(res: ServerResponse, status: number, body: Record<string, unknown>, headers: Readonly<Record<string, string>>): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json;charset=UTF-8',
    'content-length': Buffer.byteLength(text),
    // RFC 6749 sections 5.1 and 5.2: token responses must not be cached.
    'cache-control': 'no-store',
    pragma: 'no-cache',
  });
  res.end(text);
}
