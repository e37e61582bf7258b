// The error every failed token request ends in: an RFC 6749 section 5.2 refusal, a bad answer, or no answer.

/**
 * What kind of failure a {@link TokenRequestError} is, for code that `switch`es on it:
 * - `rejected`: the authorization server refused the request with an RFC 6749 section 5.2 error
 *   (`error` holds its code, e.g. `invalid_client`); retrying the same request will not help, fix the configuration.
 * - `invalid_response`: an answer that is not a usable token response (too large, not JSON, no
 *   `access_token`, a bad `expires_in` or `token_type`); nothing was cached.
 * - `unavailable`: no usable answer after the retries (network error, timeout, 5xx, 429).
 * - `circuit_open`: recent requests failed, so none was sent; `retryAfter` says when one will be.
 * - `discovery`: the token endpoint could not be found in the issuer's metadata.
 */
export type TokenRequestFailure = 'rejected' | 'invalid_response' | 'unavailable' | 'circuit_open' | 'discovery';

/** Options of the {@link TokenRequestError} constructor. */
export interface TokenRequestErrorOptions {
  /** HTTP status of the answer; 0 when there was none. */
  status?: number;
  /** The server's `error_description`, or this side's explanation. */
  description?: string;
  /** Seconds until a new attempt makes sense (from `Retry-After`, or the circuit breaker). */
  retryAfter?: number;
  /** The underlying error (a network error, a timeout). */
  cause?: unknown;
}

// What to fix, per RFC 6749 section 5.2 code (and RFC 8707 section 2 for invalid_target).
const ADVICE: Record<string, string> = {
  invalid_client: 'check clientId and the secret or key in auth, and the authentication method registered for the client',
  invalid_grant: 'the server refused the grant; check that the client may use client_credentials',
  unauthorized_client: 'the client is not allowed the client_credentials grant; enable it for the client at the authorization server',
  unsupported_grant_type: 'the server does not support client_credentials at this endpoint; check tokenEndpoint or issuer',
  invalid_scope: 'ask only for scopes registered for this client (scopes option, or getToken({ scopes }))',
  invalid_target: 'the resource indicator is unknown or not allowed for this client (resource option, RFC 8707)',
  invalid_request: 'the server found the request malformed; check scopes, resource and the authentication method',
  invalid_dpop_proof: "the server refused the DPoP proof; check that it accepts the dpop key's algorithm (dpop_signing_alg_values_supported) and that this machine's clock is right",
  use_dpop_nonce: 'the server asked for a DPoP nonce again after one was given, or without a DPoP-Nonce header; check the server',
};

/**
 * A token request that did not yield a usable token. `error` is the server's RFC 6749 section 5.2
 * code when it refused (`invalid_client`, `invalid_scope`, `invalid_target`, ...), else this side's
 * code for what went wrong (`invalid_response`, `request_failed`, `circuit_open`, ...); `failure`
 * sorts them. The message says what to fix; it never holds a secret or a token.
 * @example
 * try {
 *   await client.getToken();
 * } catch (error) {
 *   if (error instanceof TokenRequestError && error.error === 'invalid_scope') logger.error(error.message);
 * }
 * @see RFC 6749 section 5.2
 */
export class TokenRequestError extends Error {
  /** Which kind of failure this is. */
  readonly failure: TokenRequestFailure;
  /** The RFC 6749 section 5.2 `error` code, or this side's code for the failure. */
  readonly error: string;
  /** The `error_description` the server sent, or this side's explanation. */
  readonly description: string | undefined;
  /** HTTP status of the answer; 0 when there was none. */
  readonly status: number;
  /** Seconds until a new attempt makes sense, when known. */
  readonly retryAfter: number | undefined;

  constructor(failure: TokenRequestFailure, error: string, options: TokenRequestErrorOptions = {}) {
    super(message(failure, error, options), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TokenRequestError';
    this.failure = failure;
    this.error = error;
    this.description = options.description;
    this.status = options.status ?? 0;
    this.retryAfter = options.retryAfter;
  }
}

function message(failure: TokenRequestFailure, error: string, options: TokenRequestErrorOptions): string {
  const status = options.status ? ` (HTTP ${options.status})` : '';
  const said = options.description ? `: ${clip(options.description)}` : '';
  switch (failure) {
    case 'rejected':
      return `token request refused: ${error}${status}${said}; ${ADVICE[error] ?? 'see the server\'s error_description and RFC 6749 section 5.2'}`;
    case 'invalid_response':
      return `token response unusable${status}${said}; nothing was cached`;
    case 'unavailable':
      return `token endpoint unavailable${status}${said}`;
    case 'circuit_open':
      return `token endpoint failing, no request sent for ${Math.ceil(options.retryAfter ?? 0)} s more${said}`;
    case 'discovery':
      return `token endpoint not found${said}`;
  }
}

// The description is the server's text: capped, single line.
function clip(text: string): string {
  const line = text.replace(/[\r\n\t]+/g, ' ');
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}
