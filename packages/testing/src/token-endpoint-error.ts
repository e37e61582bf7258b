// The error a client credentials client throws when the token endpoint refuses or misbehaves.

/**
 * A token request that did not yield a token: an RFC 6749 section 5.2 error answer (`error` is its
 * code), or a response that is not a usable token response (`error` is `invalid_response`).
 * @example
 * try {
 *   await client.getToken();
 * } catch (error) {
 *   if (error instanceof TokenEndpointError && error.error === 'invalid_scope') console.log(error.description);
 * }
 * @see RFC 6749 section 5.2
 */
export class TokenEndpointError extends Error {
  /** HTTP status of the answer; 0 when no answer came (network error or timeout). */
  readonly status: number;
  /** The `error` code, e.g. `invalid_client`; `invalid_response` or `request_failed` on this side. */
  readonly error: string;
  /** The `error_description`, if any. */
  readonly description: string | undefined;

  constructor(status: number, error: string, description?: string, options?: { cause?: unknown }) {
    super(`token endpoint: ${status === 0 ? 'no answer' : status} ${error}${description ? `: ${description}` : ''}`, options);
    this.name = 'TokenEndpointError';
    this.status = status;
    this.error = error;
    this.description = description;
  }
}
