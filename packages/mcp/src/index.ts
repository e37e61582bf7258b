/**
 * `@tollgate/mcp`: protects an MCP server built on the official TypeScript SDK (`@modelcontextprotocol/sdk`):
 * {@link tokenVerifier} (the SDK's `OAuthTokenVerifier`), {@link requireMcpAuth} (Express middleware with
 * tollgate's RFC 6750 challenges, setting `req.auth` to the SDK's `AuthInfo`) and {@link requireToolScopes}
 * (per-tool scopes, checked before the tool runs).
 * @module index
 */
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';

// No global declaration of `req.auth` here: @tollgate/express declares it as tollgate's AccessToken, and a
// project may use both. The SDK's transport reads `req.auth` as AuthInfo, which is what requireMcpAuth sets.

export { tokenVerifier } from './token-verifier.js';
export { requireMcpAuth } from './require-mcp-auth.js';
export type { McpAuthOptions, McpServerAuthOptions } from './require-mcp-auth.js';
export { requireToolScopes } from './require-tool-scopes.js';
export type { OperationScopes, ToolScopeOptions } from './require-tool-scopes.js';
export { accessTokenOf } from './lib/auth-info.js';
export type { AuthInfo };
export type { McpRequest } from './lib/auth-info.js';
export type { SessionLimits } from './lib/sessions.js';
