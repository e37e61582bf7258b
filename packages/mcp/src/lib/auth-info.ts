// The SDK's AuthInfo for a verified tollgate AccessToken, and the way back from one to the other.
import type { AccessToken, Verifier } from '@tollgate/core';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { Request } from 'express';

/**
 * An Express request as the MCP SDK's transport reads it: `req.auth` is the SDK's AuthInfo (whatever another
 * package, such as @tollgate/express, declares `req.auth` to be).
 */
export type McpRequest = Omit<Request, 'auth'> & {
  /** The verified token as the SDK's AuthInfo, set by requireMcpAuth. */
  auth?: AuthInfo;
};

/** The request as the SDK reads it. */
export const asMcpRequest = (req: Request): McpRequest => req as unknown as McpRequest;

// Which AccessToken (and verifier) each AuthInfo this package made stands for. Keyed by the AuthInfo object
// itself: a copy, or an object other middleware wrote to `req.auth`, is not in it and is never taken for a
// verified token.
const made = new WeakMap<AuthInfo, Made>();

/** What an AuthInfo stands for: the token, the verifier that accepted it, and the scopes its guard required. */
interface Made {
  readonly token: AccessToken;
  readonly verifier: Verifier;
  readonly scopes: readonly string[];
}

/** The http(s) URL `value` names, or `undefined`. */
function httpUrl(value: string): URL | undefined {
  if (!URL.canParse(value)) return undefined;
  const url = new URL(value);
  return url.protocol === 'https:' || url.protocol === 'http:' ? url : undefined;
}

/**
 * The resource the token was accepted for: the verifier's `resource` when it has one; else the first of the
 * token's audiences that the verifier accepts and that is an http(s) URL (RFC 8707 resource indicators are
 * URLs); else `undefined`. Only a checked audience is ever reported, never a value the token merely claims.
 */
export function resourceOf(token: AccessToken, verifier: Verifier): URL | undefined {
  const configured = (verifier.options as { resource?: unknown }).resource;
  if (typeof configured === 'string') return httpUrl(configured);
  const accepted = verifier.options.audiences;
  for (const audience of token.audience) {
    if (accepted.includes(audience)) {
      const url = httpUrl(audience);
      if (url) return url;
    }
  }
  return undefined;
}

/**
 * A fresh, frozen AuthInfo for one request: a tool that changes what it was given (`scopes.push(...)`)
 * cannot change what the next request sees, nor what tollgate checks (it checks the AccessToken).
 */
export function toAuthInfo(token: AccessToken, verifier: Verifier, scopes: readonly string[] = []): AuthInfo {
  const resource = resourceOf(token, verifier);
  const info: AuthInfo = {
    token: token.token,
    // The SDK's type requires a string; a token that names no client (no client_id, no azp) gets ''.
    clientId: token.clientId ?? '',
    scopes: Object.freeze([...token.scopes]) as string[],
    // The SDK counts in seconds since the epoch (RFC 7519 NumericDate).
    expiresAt: Math.floor(token.expiresAt.getTime() / 1000),
    ...(resource ? { resource } : {}),
    // Every verified claim, as the token carried it (deeply frozen by core).
    extra: token.claims as Record<string, unknown>,
  };
  Object.freeze(info);
  made.set(info, { token, verifier, scopes });
  return info;
}

/** What an AuthInfo this package made stands for, or `undefined` for any other value. */
export function madeOf(info: unknown): Made | undefined {
  return typeof info === 'object' && info !== null ? made.get(info as AuthInfo) : undefined;
}

/** The AccessToken behind an AuthInfo this package made, or `undefined` for any other value. */
export function accessTokenOf(info: unknown): AccessToken | undefined {
  return madeOf(info)?.token;
}
