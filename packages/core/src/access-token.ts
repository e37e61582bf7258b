// The verified access token handed to route handlers, and how it is built from a verified JWT.
import type { JWTPayload, ProtectedHeaderParameters } from 'jose';
import { InvalidTokenError } from './errors.js';
import { readScopes } from './has-scopes.js';
import type { TokenBinding } from './dpop.js';

/**
 * Custom claims of your issuer. Extend it by declaration merging to type `auth.claims`:
 * @example
 * declare module '@tollgate/core' {
 *   interface AccessTokenClaims { tenant_id: string }
 * }
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface AccessTokenClaims {}

/** Registered claims of a JWT access token (RFC 7519, RFC 9068, RFC 8693). */
export interface JwtAccessTokenClaims extends JWTPayload {
  /**
   * Space-delimited scopes (RFC 8693 section 4.2, RFC 9068 section 2.2.3), or an array of scope names as
   * some issuers send it (refused with `strict`). Read `scopes` of the AccessToken rather than this.
   */
  scope?: string | string[];
  /** Scopes as an array (Okta) or a space-delimited string (Entra ID). */
  scp?: string | string[];
  /** The OAuth client the token was issued to (RFC 8693 section 4.3, RFC 9068 section 2.2). */
  client_id?: string;
  /** Authorized party (OpenID Connect Core section 2): the client, for issuers that send it instead of `client_id`. */
  azp?: string;
}

/**
 * How a token was verified: `jwt`, its signature checked locally with the issuer's keys; `introspection`,
 * the issuer's introspection endpoint vouched for it (RFC 7662).
 */
export type VerificationMethod = 'jwt' | 'introspection';

/** The verified token, as `req.auth`, `ctx.state.auth` and `request.auth`. Deeply frozen. */
export interface AccessToken {
  /** The raw token: a JWT, or an opaque string when it was introspected. */
  readonly token: string;
  /** The JWS protected header (`alg`, `kid`, `typ`...); empty for an introspected token. */
  readonly header: Readonly<ProtectedHeaderParameters>;
  /**
   * Every claim of the payload; type your own claims by extending {@link AccessTokenClaims}. For an
   * introspected token: the members of the introspection response, except `active`.
   */
  readonly claims: Readonly<JwtAccessTokenClaims & AccessTokenClaims>;
  /** Scopes granted, from `scope` and `scp`, without duplicates. */
  readonly scopes: readonly string[];
  /** The OAuth client: `client_id`, else `azp`. */
  readonly clientId: string | undefined;
  /** The `sub` claim, when it is a string. */
  readonly subject: string | undefined;
  /** The `iss` claim: one of the configured issuers. */
  readonly issuer: string;
  /** The `aud` claim as an array (a single string becomes a one-element array). */
  readonly audience: readonly string[];
  /** When the token expires (`exp`). */
  readonly expiresAt: Date;
  /** How the token was verified: its signature checked locally (`jwt`), or introspected (`introspection`). */
  readonly verifiedBy: VerificationMethod;
  /**
   * How the token is bound to its client: `{ kind: 'none' }` for a bearer token, `{ kind: 'dpop', jkt }`
   * for a DPoP-bound token (`cnf.jkt`), whose proof of that key came with this request (RFC 9449),
   * `{ kind: 'mtls', x5tS256 }` for a certificate-bound token (`cnf["x5t#S256"]`), whose certificate is
   * the request's client certificate (RFC 8705 section 3).
   */
  readonly binding: TokenBinding;
}

const UNBOUND: TokenBinding = Object.freeze({ kind: 'none' });
// RFC 7638 SHA-256 thumbprints are 43 base64url characters; RFC 9449 section 6.1 binds with exactly that.
const JKT = /^[A-Za-z0-9_-]{43}$/;
// RFC 8705 section 3.1: base64url of a SHA-256 digest, canonical (the last character carries 2 zero bits),
// so that exactly one spelling names a certificate.
const X5T_S256 = /^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/;

/**
 * The binding a token's `cnf` claim states (RFC 7800): none, a DPoP key thumbprint (RFC 9449 section 6.1),
 * or a certificate thumbprint (RFC 8705 section 3.1). `undefined` for any other `cnf` (an unknown member,
 * a malformed value, both members): such a token is refused, never read as unbound.
 */
function bindingOf(claims: JwtAccessTokenClaims): TokenBinding | undefined {
  const cnf = claims.cnf as unknown;
  if (cnf === undefined) return UNBOUND;
  if (typeof cnf !== 'object' || cnf === null || Array.isArray(cnf)) return undefined;
  const members = Object.keys(cnf);
  if (members.length !== 1) return undefined;
  const value = (cnf as Record<string, unknown>)[members[0]!];
  if (typeof value !== 'string') return undefined;
  if (members[0] === 'jkt' && JKT.test(value)) return Object.freeze({ kind: 'dpop', jkt: value });
  if (members[0] === 'x5t#S256' && X5T_S256.test(value)) return Object.freeze({ kind: 'mtls', x5tS256: value });
  return undefined;
}

function scopesOf(claims: JwtAccessTokenClaims, realm: string): string[] {
  const { scopes, valid } = readScopes(claims);
  // A scope claim of the wrong type must not be read as "no scopes" and silently pass a route without scopes.
  if (!valid) throw new InvalidTokenError('invalid scope claim', { reason: 'invalid_claim', realm });
  return scopes;
}

// No real access token nests claims this deep; a token that does is refused rather than walked.
const MAX_CLAIM_DEPTH = 64;

/** Freezes the claims all the way down, iteratively; false when they nest deeper than the bound. */
function deepFreeze(value: object): boolean {
  const pending: Array<[unknown, number]> = [[value, 0]];
  while (pending.length > 0) {
    const [next, depth] = pending.pop()!;
    if (typeof next !== 'object' || next === null || Object.isFrozen(next)) continue;
    if (depth > MAX_CLAIM_DEPTH) return false;
    Object.freeze(next);
    for (const member of Object.values(next)) pending.push([member, depth + 1]);
  }
  return true;
}

/** Builds the {@link AccessToken} of a JWT whose signature and claims were verified (or of an introspected token whose claims were). */
export function toAccessToken(
  token: string,
  header: ProtectedHeaderParameters,
  claims: JwtAccessTokenClaims,
  realm: string,
  verifiedBy: VerificationMethod = 'jwt',
): AccessToken {
  const clientId = typeof claims.client_id === 'string' ? claims.client_id : typeof claims.azp === 'string' ? claims.azp : undefined;
  const audience = typeof claims.aud === 'string' ? [claims.aud] : (claims.aud ?? []);
  const binding = bindingOf(claims);
  // Any cnf not understood: the token needs a proof tollgate cannot check.
  if (!binding) throw new InvalidTokenError('sender-constrained token used as a bearer token', { reason: 'sender_constrained', realm });
  const accessToken: AccessToken = {
    token,
    header,
    claims: claims as JwtAccessTokenClaims & AccessTokenClaims,
    scopes: scopesOf(claims, realm),
    clientId,
    subject: typeof claims.sub === 'string' ? claims.sub : undefined,
    issuer: claims.iss as string,
    audience: [...audience],
    expiresAt: new Date((claims.exp as number) * 1000),
    verifiedBy,
    binding,
  };
  if (!deepFreeze(accessToken)) throw new InvalidTokenError('invalid claims', { reason: 'invalid_claim', realm });
  return accessToken;
}
