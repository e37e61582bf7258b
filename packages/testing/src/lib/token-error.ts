// An error answer of the token endpoint: an RFC 6749 section 5.2 code, a short description and a status.

/** The error codes of RFC 6749 section 5.2 that a token endpoint answers with. */
export type TokenErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  /** RFC 9449 section 5: the DPoP proof failed a check. */
  | 'invalid_dpop_proof'
  /** RFC 9449 section 8: the proof must carry the nonce of the DPoP-Nonce header. */
  | 'use_dpop_nonce'
  // RFC 8707 section 2: a resource the client may not ask a token for.
  | 'invalid_target';

/** Thrown inside the test issuer's token endpoint and rendered as the JSON error response. */
export class TokenRequestError extends Error {
  readonly code: TokenErrorCode;
  /** 400, except 401 for invalid_client with a Basic challenge (see client-authentication.ts) and the HTTP-level 405 and 413. */
  readonly status: number;
  /** Extra response headers (a Basic challenge, `Allow`, `Connection: close`). */
  readonly headers: Readonly<Record<string, string>>;

  constructor(code: TokenErrorCode, description: string, options: { status?: number; headers?: Record<string, string> } = {}) {
    super(description);
    this.name = 'TokenRequestError';
    this.code = code;
    this.status = options.status ?? 400;
    this.headers = options.headers ?? {};
  }
}
