// A client credentials client: fetches access tokens, keeps one until most of its life is spent.
import { randomUUID, type KeyObject } from 'node:crypto';
import { SignJWT, type CryptoKey } from 'jose';
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
}

/** A token as the client holds it. */
export interface ClientCredentialsToken {
  /** The access token, as sent in `Authorization: Bearer`. */
  readonly accessToken: string;
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
  /** Token requests sent so far. */
  readonly requests: number;
}

// Refresh once 80% of the lifetime is spent or less than 30 s are left, but never before halfway,
// so that short-lived tokens are still reused.
const REFRESH_RATIO = 0.8;
const MIN_REMAINING_SECONDS = 30;
const MAX_RESPONSE_BYTES = 64 * 1024;
const ASSERTION_LIFETIME_SECONDS = 60;

/**
 * Creates a client for the client credentials grant. Tokens are cached and reused until 80% of
 * `expires_in` has passed or less than 30 s remain (never before half of it); concurrent calls
 * share one token request. A token response without `expires_in` is not cached.
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
  const scope = typeof options.scope === 'string' ? options.scope : options.scope?.join(' ');
  let cached: ClientCredentialsToken | undefined;
  let pending: Promise<ClientCredentialsToken> | undefined;
  let requests = 0;

  async function requestToken(): Promise<ClientCredentialsToken> {
    const body = new URLSearchParams({ grant_type: 'client_credentials' });
    if (scope) body.set('scope', scope);
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
    if (authMethod === 'client_secret_basic') {
      headers.authorization = `Basic ${Buffer.from(`${formEncode(options.clientId)}:${formEncode(options.clientSecret!)}`).toString('base64')}`;
    } else if (authMethod === 'client_secret_post') {
      body.set('client_id', options.clientId);
      body.set('client_secret', options.clientSecret!);
    } else {
      body.set('client_assertion_type', 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
      body.set('client_assertion', await signAssertion(options, now()));
    }
    requests += 1;
    const sentAt = now();
    let response: Response;
    let text: string;
    try {
      response = await fetchImpl(options.tokenEndpoint, {
        method: 'POST',
        headers,
        body: body.toString(),
        redirect: 'error',
        signal: AbortSignal.timeout(options.timeout ?? 5000),
      });
      text = await readLimited(response, MAX_RESPONSE_BYTES);
    } catch (cause) {
      throw new TokenEndpointError(0, 'request_failed', 'the token request failed', { cause });
    }
    const json = parseObject(text);
    if (!response.ok) {
      const error = typeof json?.error === 'string' ? json.error : 'invalid_response';
      throw new TokenEndpointError(response.status, error, typeof json?.error_description === 'string' ? json.error_description : undefined);
    }
    return toToken(json, sentAt, scope);
  }

  async function getTokenDetails(): Promise<ClientCredentialsToken> {
    if (cached && now() < cached.refreshAt) return cached;
    pending ??= requestToken()
      .then((token) => (cached = token))
      .finally(() => {
        pending = undefined;
      });
    return pending;
  }

  return {
    getTokenDetails,
    getToken: async () => (await getTokenDetails()).accessToken,
    clear() {
      cached = undefined;
    },
    get requests() {
      return requests;
    },
  };
}

// RFC 6749 section 2.3.1: id and secret are form-urlencoded before Basic encoding.
function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}

function signAssertion(options: ClientCredentialsClientOptions, nowMs: number): Promise<string> {
  const { key, alg, kid } = options.signingKey!;
  const iat = Math.floor(nowMs / 1000);
  return new SignJWT({})
    .setProtectedHeader(kid === undefined ? { alg } : { alg, kid })
    .setIssuer(options.clientId)
    .setSubject(options.clientId)
    .setAudience(options.assertionAudience ?? options.tokenEndpoint)
    .setIssuedAt(iat)
    .setExpirationTime(iat + ASSERTION_LIFETIME_SECONDS)
    .setJti(randomUUID())
    .sign(key);
}

async function readLimited(response: Response, limit: number): Promise<string> {
  if (!response.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    size += chunk.byteLength;
    if (size > limit) {
      await response.body.cancel();
      throw new Error('token response too large');
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function toToken(json: Record<string, unknown> | undefined, sentAt: number, asked: string | undefined): ClientCredentialsToken {
  const accessToken = json?.access_token;
  // RFC 6749 section 7.1 / RFC 6750: only a bearer token can be sent as `Authorization: Bearer`.
  if (typeof accessToken !== 'string' || accessToken === '' || typeof json?.token_type !== 'string' || json.token_type.toLowerCase() !== 'bearer') {
    throw new TokenEndpointError(200, 'invalid_response', 'not a bearer token response');
  }
  const expiresIn = json.expires_in;
  if (expiresIn !== undefined && (typeof expiresIn !== 'number' || !Number.isFinite(expiresIn) || expiresIn <= 0)) {
    throw new TokenEndpointError(200, 'invalid_response', 'expires_in is not a positive number');
  }
  // The lifetime counts from when the request was sent: the token may be older than its arrival.
  const seconds = expiresIn ?? 0;
  const refreshAfter = Math.max(seconds / 2, Math.min(seconds * REFRESH_RATIO, seconds - MIN_REMAINING_SECONDS));
  return Object.freeze({
    accessToken,
    scope: typeof json.scope === 'string' ? json.scope : asked,
    expiresAt: sentAt + seconds * 1000,
    refreshAt: sentAt + refreshAfter * 1000,
  });
}
