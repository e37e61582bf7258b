// A client credentials client for tests: @tollgate/client's createTokenClient behind the API this package has always had.
import type { KeyObject } from 'node:crypto';
import { createTokenClient, TokenRequestError, type TokenClientOptions } from '@tollgate/client';
import type { ClientAssertionAlgorithm } from '@tollgate/core';
import type { CryptoKey } from 'jose';
import type { DpopKey } from './dpop-proofs.js';
import type { ClientAuthMethod } from './token-endpoint.js';
import { TokenEndpointError } from './token-endpoint-error.js';

/** Options of {@link createClientCredentialsClient}. */
export interface ClientCredentialsClientOptions {
  /** The authorization server's token endpoint, e.g. `issuer.tokenEndpoint`. */
  tokenEndpoint: string;
  /** The client's `client_id`. */
  clientId: string;
  /** For client_secret_basic and client_secret_post. */
  clientSecret?: string;
  /** For private_key_jwt: the key that signs client assertions, its `alg` and optional `kid`. */
  signingKey?: { key: CryptoKey | KeyObject; alg: string; kid?: string };
  /** Default: `private_key_jwt` with a signingKey, else `client_secret_basic`. */
  authMethod?: ClientAuthMethod;
  /** Scopes to ask for; default: none named, so the server grants its default. */
  scope?: string | readonly string[];
  /** `aud` of client assertions. Default: the token endpoint URL. */
  assertionAudience?: string;
  /** The clock, in milliseconds since the epoch. Default `Date.now`. */
  now?: () => number;
  /** The HTTP client. Default: the global `fetch`. */
  fetch?: typeof globalThis.fetch;
  /** Per token request, in milliseconds. Default 5000. */
  timeout?: number;
  /**
   * DPoP-bound tokens (RFC 9449): `true` for a generated ES256 key, or a key from {@link createDpopKey}.
   * Token requests carry a proof; tokens come back as `token_type` DPoP, bound to the key.
   */
  dpop?: boolean | DpopKey;
}

/** A token as the client holds it. */
export interface ClientCredentialsToken {
  /** The access token, as sent in `Authorization: Bearer` (or `DPoP` with a proof). */
  readonly accessToken: string;
  /** `DPoP` for a token bound to the client's DPoP key, else `Bearer`. */
  readonly tokenType: 'Bearer' | 'DPoP';
  /** Granted scopes, from the response's `scope`, else the ones asked for. */
  readonly scope: string | undefined;
  /** Milliseconds since the epoch (the client's clock). */
  readonly expiresAt: number;
  /** When {@link ClientCredentialsClient.getToken} fetches a new one instead. */
  readonly refreshAt: number;
}

/** The client returned by {@link createClientCredentialsClient}. */
export interface ClientCredentialsClient {
  /** The access token: the cached one while it is fresh, else a new one (one request for concurrent callers). */
  getToken(): Promise<string>;
  /** Like getToken, with the granted scope and the expiry. */
  getTokenDetails(): Promise<ClientCredentialsToken>;
  /** Forgets the cached token (e.g. after the API refused it), so the next call fetches. */
  clear(): void;
  /**
   * The headers that authorize one request: `{ authorization: 'Bearer …' }`, or with `dpop`
   * `{ authorization: 'DPoP …', dpop: <a fresh proof of method and url> }`.
   */
  authorizationHeaders(method: string, url: string): Promise<Record<string, string>>;
  /** `fetch` with the token (and a DPoP proof) added; see `TokenClient.fetch` of `@tollgate/client`. */
  fetch(input: string | URL | Request, init?: RequestInit): Promise<Response>;
  /** The RFC 7638 thumbprint of the DPoP key (the `cnf.jkt` of its tokens), or `undefined` without `dpop`. */
  readonly dpopThumbprint: string | undefined;
  /** Token requests sent so far. */
  readonly requests: number;
}

/**
 * Creates a client for the client credentials grant: `@tollgate/client`'s `createTokenClient`, set up
 * the way tests want it. Tokens are reused until 80% of `expires_in` has passed or less than 30 s
 * remain (never before half of it), then fetched anew before the call returns; concurrent calls share
 * one token request; nothing is retried, so a test sees each failure; a token response without
 * `expires_in` is not cached. For services, use `@tollgate/client` itself (background renewal,
 * retries, a circuit breaker, a `fetch` wrapper).
 * @example
 * const client = createClientCredentialsClient({
 *   tokenEndpoint: issuer.tokenEndpoint, clientId: 'billing', clientSecret: 's3cret', scope: 'orders:read',
 * });
 * const response = await fetch(url, { headers: { authorization: `Bearer ${await client.getToken()}` } });
 * @see RFC 6749 section 4.4, RFC 7523 section 2.2 (private_key_jwt)
 */
export function createClientCredentialsClient(options: ClientCredentialsClientOptions): ClientCredentialsClient {
  const authMethod = options.authMethod ?? (options.signingKey ? 'private_key_jwt' : 'client_secret_basic');
  if (authMethod === 'private_key_jwt' ? !options.signingKey : !options.clientSecret) {
    throw new TypeError(`createClientCredentialsClient: ${authMethod} needs ${authMethod === 'private_key_jwt' ? 'signingKey' : 'clientSecret'}`);
  }
  const now = options.now ?? Date.now;
  const fetchImpl = options.fetch ?? globalThis.fetch;
  let requests = 0;
  // Counts token requests only: the same fetch also carries the API requests of client.fetch.
  const counting: typeof fetch = (input, init) => {
    if ((input instanceof Request ? input.url : String(input)) === options.tokenEndpoint) requests += 1;
    return fetchImpl(input, init);
  };
  const auth: TokenClientOptions['auth'] =
    authMethod === 'private_key_jwt'
      ? {
          method: 'private_key_jwt',
          key: { key: options.signingKey!.key, alg: options.signingKey!.alg as ClientAssertionAlgorithm, ...(options.signingKey!.kid !== undefined && { kid: options.signingKey!.kid }) },
          ...(options.assertionAudience !== undefined && { audience: options.assertionAudience }),
        }
      : { method: authMethod, secret: options.clientSecret! };
  const client = createTokenClient({
    tokenEndpoint: options.tokenEndpoint,
    clientId: options.clientId,
    auth,
    ...(options.scope !== undefined && { scopes: options.scope }),
    // A test issuer serves plain http on 127.0.0.1.
    allowInsecureRequests: true,
    timeout: (options.timeout ?? 5000) / 1000,
    retries: 0,
    breaker: false,
    // 80%, or 30 s before expiry, never before half; no jitter, no margin: what the tests of this client expect.
    renewAt: 0.8,
    renewJitter: 0,
    renewBefore: 30,
    expiryMargin: 0,
    defaultExpiresIn: 1,
    fetch: counting,
    now,
    ...(options.dpop !== undefined && { dpop: typeof options.dpop === 'boolean' ? options.dpop : { key: options.dpop.privateKey, alg: options.dpop.alg as 'ES256' } }),
  });

  async function getTokenDetails(): Promise<ClientCredentialsToken> {
    let details = await client.getTokenDetails().catch(rethrow);
    // This client renews before it answers (the tests read one token per step), not in the background.
    if (now() >= details.renewAt) {
      client.clear();
      details = await client.getTokenDetails().catch(rethrow);
    }
    // Without expires_in there is nothing to time the token by: it is used once.
    if (details.assumedLifetime) client.clear();
    return Object.freeze({
      accessToken: details.accessToken,
      tokenType: details.tokenType,
      scope: details.scope === '' ? undefined : details.scope,
      expiresAt: details.expiresAt,
      refreshAt: details.renewAt,
    });
  }

  return {
    getTokenDetails,
    getToken: async () => (await getTokenDetails()).accessToken,
    clear() {
      client.clear();
    },
    authorizationHeaders: (method, url) => client.authorizationHeaders(method, url).catch(rethrow),
    fetch: (input, init) => client.fetch(input, init).catch(rethrow),
    dpopThumbprint: client.dpopKey?.jkt,
    get requests() {
      return requests;
    },
  };
}

// The error class this package has always thrown, with the same codes: `request_failed` (status 0) when no
// usable answer came, `invalid_response` for an answer that is not a token response.
function rethrow(error: unknown): never {
  if (!(error instanceof TokenRequestError)) throw error;
  const noAnswer = error.status === 0 || error.failure === 'circuit_open';
  if (noAnswer) throw new TokenEndpointError(0, 'request_failed', 'the token request failed', { cause: error });
  const code = error.failure === 'rejected' ? error.error : error.failure === 'unavailable' && error.error !== 'server_error' && error.error !== 'too_many_requests' ? error.error : 'invalid_response';
  throw new TokenEndpointError(error.status, code, error.description, { cause: error });
}
