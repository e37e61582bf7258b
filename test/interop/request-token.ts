// Gets an access token from a real token endpoint: the client_credentials grant (RFC 6749 section 4.4)
// with a resource indicator (RFC 8707), over HTTP, as a client application would.
import type { InteropClient } from './oidc-provider-server.js';

/** A successful token response (RFC 6749 section 5.1). */
export interface TokenResponse {
  access_token: string;
  token_type: string;
  expires_in: number;
  scope?: string;
}

/**
 * A failed request: the endpoint's status and its `error` (RFC 6749 section 5.2).
 * @example await expect(requestToken(issuer, CLIENT_B, { resource, scope: 'orders:write' })).rejects.toEqual(new TokenRequestError(400, 'invalid_scope'));
 */
export class TokenRequestError extends Error {
  constructor(
    readonly status: number,
    readonly error: string | undefined,
  ) {
    super(`token endpoint answered ${status} ${error ?? ''}`.trim());
    this.name = 'TokenRequestError';
  }
}

/** What to ask for. */
export interface TokenRequest {
  /** The resource indicator: the API the token is for. */
  resource: string;
  /** Space-delimited scopes. */
  scope: string;
}

// RFC 6749 section 2.3.1: the client id and secret are form-urlencoded before Basic encoding.
const basic = (client: InteropClient): string =>
  `Basic ${Buffer.from(`${encodeURIComponent(client.id)}:${encodeURIComponent(client.secret)}`).toString('base64')}`;

/**
 * Requests a token from `${issuer}/token`, authenticating as the client's method says
 * (`client_secret_basic`: Authorization header; `client_secret_post`: form body).
 * @example const { access_token } = await requestToken(server.issuer, CLIENT_A, { resource: ORDERS_API, scope: 'orders:read' });
 * @see RFC 6749 section 4.4.2, RFC 8707 section 2
 */
export async function requestToken(issuer: string, client: InteropClient, request: TokenRequest): Promise<TokenResponse> {
  const form = new URLSearchParams({ grant_type: 'client_credentials', resource: request.resource, scope: request.scope });
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
  if (client.authMethod === 'client_secret_basic') headers.authorization = basic(client);
  else {
    form.set('client_id', client.id);
    form.set('client_secret', client.secret);
  }
  const response = await fetch(`${issuer}/token`, { method: 'POST', headers, body: form, signal: AbortSignal.timeout(5_000) });
  const body = (await response.json()) as Partial<TokenResponse> & { error?: string };
  if (!response.ok || typeof body.access_token !== 'string') throw new TokenRequestError(response.status, body.error);
  return body as TokenResponse;
}
