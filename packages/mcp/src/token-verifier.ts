// tokenVerifier: tollgate's verifier as the MCP SDK's OAuthTokenVerifier (for the SDK's own requireBearerAuth).
import { InvalidRequestError, InvalidTokenError, TemporarilyUnavailableError, toVerifier, TollgateError } from '@tollgate/core';
import type { Verifier, VerifierOptions } from '@tollgate/core';
import {
  InsufficientScopeError as SdkInsufficientScopeError,
  InvalidRequestError as SdkInvalidRequestError,
  InvalidTokenError as SdkInvalidTokenError,
  ServerError as SdkServerError,
} from '@modelcontextprotocol/sdk/server/auth/errors.js';
import type { OAuthTokenVerifier } from '@modelcontextprotocol/sdk/server/auth/provider.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { toAuthInfo } from './lib/auth-info.js';

/**
 * The SDK's error for a tollgate refusal, so the SDK's `requireBearerAuth` answers with the right status:
 * an invalid token is `InvalidTokenError` (401); a missing scope `InsufficientScopeError` (403); a malformed
 * request `InvalidRequestError` (400); an outage (JWKS, introspection) `ServerError`, which the SDK answers
 * 500 (use {@link requireMcpAuth} for a 503 with Retry-After). The description is tollgate's safe one.
 */
function toSdkError(error: unknown): unknown {
  if (!(error instanceof TollgateError)) return error;
  if (error instanceof TemporarilyUnavailableError) return new SdkServerError(error.description);
  if (error instanceof InvalidRequestError) return new SdkInvalidRequestError(error.description);
  if (error.status === 403) return new SdkInsufficientScopeError(error.description);
  if (error instanceof InvalidTokenError || error.status === 401) return new SdkInvalidTokenError(error.description);
  return new SdkServerError(error.description);
}

/**
 * tollgate's verifier as the MCP SDK's `OAuthTokenVerifier`, for the SDK's own `requireBearerAuth`:
 * `verifyAccessToken(token)` checks the token (signature, issuer, audience, expiry, claim rules) and returns
 * the SDK's `AuthInfo`: `token`, `clientId` (`client_id`, else `azp`, else `''`), `scopes`, `expiresAt` in
 * seconds, `resource` (the verifier's `resource`, else the accepted audience when it is a URL) and, in
 * `extra`, every verified claim. Refusals are the SDK's error classes. Options are validated now
 * (TollgateConfigError). For tollgate's own challenges (no error code without a token, 503 on an outage),
 * mount {@link requireMcpAuth} instead.
 * @param options - the verifier's options (`issuer`, `audience` or `resource`, ...), or a verifier
 * @example
 * import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
 * app.post('/mcp', requireBearerAuth({ verifier: tokenVerifier({ issuer, audience: 'https://mcp.example.com/mcp' }) }), handle);
 * @see RFC 6750 section 3.1, RFC 8707 section 2
 */
export function tokenVerifier(options: VerifierOptions | Verifier): OAuthTokenVerifier {
  const verifier = toVerifier(options);
  return Object.freeze({
    async verifyAccessToken(token: string): Promise<AuthInfo> {
      try {
        return toAuthInfo(await verifier.verify(token), verifier);
      } catch (error) {
        throw toSdkError(error);
      }
    },
  });
}
