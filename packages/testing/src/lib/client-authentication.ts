// Token endpoint client authentication: client_secret_basic, client_secret_post and private_key_jwt.
import { timingSafeEqual } from 'node:crypto';
import { decodeJwt, jwtVerify, type JWTPayload } from 'jose';
import { digest, type RegisteredClient } from './client-registry.js';
import type { ReplayGuard } from './replay-guard.js';
import { TokenRequestError } from './token-error.js';

/** RFC 7523 section 2.2. */
export const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** Asymmetric only: a client assertion is checked with the client's public key. */
export const ASSERTION_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];
// Assertions are single-use and short-lived (OIDC Core section 9); a longer one is refused.
const MAX_ASSERTION_LIFETIME = 300;
const CLOCK_TOLERANCE = 5;
// Compared against when the client is unknown, so the answer takes as long as for a known one.
const NO_SECRET = digest('\u0000no secret\u0000');

/** What authentication needs besides the request. */
export interface AuthenticationContext {
  readonly clients: ReadonlyMap<string, RegisteredClient>;
  /** Accepted `aud` values of a client assertion: the token endpoint URL and the issuer. */
  readonly audiences: readonly string[];
  readonly replay: ReplayGuard;
  /** Realm of the Basic challenge. */
  readonly realm: string;
  /** Milliseconds since the epoch. */
  readonly now: () => number;
}

/**
 * Returns the client that the request authenticates as, or throws a TokenRequestError:
 * invalid_request for two methods at once (RFC 6749 section 2.3), invalid_client otherwise: 401 with a
 * Basic challenge when the client used the Authorization header or no method at all, 400 when it
 * authenticated in the body (RFC 6749 section 5.2; RFC 9110 section 15.5.2: every 401 carries a challenge).
 */
export async function authenticateClient(
  authorization: string | undefined,
  params: ReadonlyMap<string, string>,
  context: AuthenticationContext,
): Promise<RegisteredClient> {
  const basic = authorization !== undefined;
  const post = params.has('client_secret');
  const jwt = params.has('client_assertion') || params.has('client_assertion_type');
  if (Number(basic) + Number(post) + Number(jwt) > 1) {
    throw new TokenRequestError('invalid_request', 'use exactly one client authentication method');
  }
  if (basic) return fromBasic(authorization, params, context);
  if (post) return fromSecret(params.get('client_id'), params.get('client_secret')!, 'client_secret_post', context, false);
  if (jwt) return fromAssertion(params, context);
  throw failure(context, true, 'client authentication required');
}

const failure = (context: AuthenticationContext, basic: boolean, description = 'client authentication failed') =>
  new TokenRequestError('invalid_client', description, {
    // RFC 6749 section 5.2: a client that used the Authorization header gets 401 and a challenge of its scheme.
    status: basic ? 401 : 400,
    headers: basic ? { 'www-authenticate': `Basic realm="${context.realm}", charset="UTF-8"` } : {},
  });

const BASIC = /^Basic +([A-Za-z0-9+/]+={0,2})$/i;

// RFC 6749 section 2.3.1: the id and the secret are form-urlencoded before they are joined by ':'.
function formDecode(value: string): string {
  return decodeURIComponent(value.replace(/\+/g, ' '));
}

function fromBasic(authorization: string, params: ReadonlyMap<string, string>, context: AuthenticationContext): RegisteredClient {
  const match = BASIC.exec(authorization.trim());
  if (!match) throw failure(context, true, 'malformed Basic credentials');
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw failure(context, true, 'malformed Basic credentials');
  let clientId: string;
  let secret: string;
  try {
    clientId = formDecode(decoded.slice(0, colon));
    secret = formDecode(decoded.slice(colon + 1));
  } catch {
    throw failure(context, true, 'malformed Basic credentials');
  }
  const named = params.get('client_id');
  if (named !== undefined && named !== clientId) throw failure(context, true);
  return fromSecret(clientId, secret, 'client_secret_basic', context, true);
}

function fromSecret(
  clientId: string | undefined,
  secret: string,
  method: 'client_secret_basic' | 'client_secret_post',
  context: AuthenticationContext,
  basic: boolean,
): RegisteredClient {
  const client = clientId === undefined ? undefined : context.clients.get(clientId);
  // Hashing both sides gives equal lengths, so timingSafeEqual never leaks the secret's length.
  const matches = timingSafeEqual(digest(secret), client?.secretDigest ?? NO_SECRET);
  if (!client || !client.secretDigest || !matches || client.authMethod !== method) throw failure(context, basic);
  return client;
}

async function fromAssertion(params: ReadonlyMap<string, string>, context: AuthenticationContext): Promise<RegisteredClient> {
  if (params.get('client_assertion_type') !== ASSERTION_TYPE) {
    throw new TokenRequestError('invalid_request', `client_assertion_type must be ${ASSERTION_TYPE}`);
  }
  const assertion = params.get('client_assertion');
  if (assertion === undefined) throw new TokenRequestError('invalid_request', 'client_assertion is required');
  let issuer: unknown;
  try {
    issuer = decodeJwt(assertion).iss;
  } catch {
    throw failure(context, false);
  }
  const client = typeof issuer === 'string' ? context.clients.get(issuer) : undefined;
  const named = params.get('client_id');
  if (!client || !client.key || client.authMethod !== 'private_key_jwt' || (named !== undefined && named !== client.clientId)) {
    throw failure(context, false);
  }
  const now = context.now();
  const options = {
    issuer: client.clientId,
    subject: client.clientId, // RFC 7523 section 3: iss and sub are both the client_id
    audience: [...context.audiences],
    algorithms: ASSERTION_ALGORITHMS,
    requiredClaims: ['exp', 'jti'],
    clockTolerance: CLOCK_TOLERANCE,
    currentDate: new Date(now),
  };
  let payload: JWTPayload;
  try {
    const { key } = client;
    ({ payload } = typeof key === 'function' ? await jwtVerify(assertion, key, options) : await jwtVerify(assertion, key, options));
  } catch {
    throw failure(context, false);
  }
  const seconds = Math.floor(now / 1000);
  const exp = payload.exp!;
  if (exp > seconds + MAX_ASSERTION_LIFETIME + CLOCK_TOLERANCE) throw failure(context, false, 'client assertion lives too long');
  if (typeof payload.jti !== 'string' || !context.replay.claim(client.clientId, payload.jti, exp + CLOCK_TOLERANCE, seconds)) {
    throw failure(context, false, 'client assertion already used');
  }
  return client;
}
