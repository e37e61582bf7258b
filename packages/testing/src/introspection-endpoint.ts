// The test issuer's introspection endpoint (RFC 7662): opaque tokens it minted, revocation, client authentication.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { authenticateClient, type AuthenticationContext } from './lib/client-authentication.js';
import { registerClients } from './lib/client-registry.js';
import { readFormBody } from './lib/form-body.js';
import { ReplayGuard } from './lib/replay-guard.js';
import { TokenRequestError } from './lib/token-error.js';
import { send, type TestClient } from './token-endpoint.js';

// Opaque tokens held at once; the oldest are forgotten first (a test issuer, not a token store).
const MAX_TOKENS = 100_000;

/** What the endpoint needs from its issuer. */
export interface IntrospectionEndpointSettings {
  /** The endpoint's own URL: an accepted `aud` of client assertions. */
  url: string;
  /** The issuer identifier: also accepted as `aud` of client assertions. */
  issuer: string;
  /** The clients that may introspect (the API authenticates as one of them). */
  clients: readonly TestClient[];
  /** Milliseconds since the epoch. Default `Date.now`. */
  now?: () => number;
}

/** The endpoint and the opaque tokens behind it. */
export interface IntrospectionEndpoint {
  /** The request handler of `POST {issuer}/oauth/introspect`. */
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** Stores `claims` under a new random opaque token and returns the token. */
  mint(claims: Record<string, unknown>): string;
  /** Makes `token` inactive from now on; `false` when it is not one of this endpoint's tokens. */
  revoke(token: string): boolean;
}

/**
 * Creates the introspection endpoint of the test issuer. Answers `active: true` with the token's claims
 * (and `token_type: Bearer`) for an opaque token it minted that has not expired or been revoked, and
 * `active: false` for every other token (RFC 7662 section 2.2), after authenticating the caller as one
 * of the issuer's clients (section 2.1).
 * @see RFC 7662
 */
export function createIntrospectionEndpoint(settings: IntrospectionEndpointSettings): IntrospectionEndpoint {
  const now = settings.now ?? Date.now;
  const context: AuthenticationContext = {
    clients: registerClients(settings.clients),
    audiences: [settings.url, settings.issuer],
    replay: new ReplayGuard(),
    realm: 'test issuer',
    now,
  };
  const tokens = new Map<string, Record<string, unknown>>();

  async function respond(req: IncomingMessage): Promise<Record<string, unknown>> {
    if (req.method !== 'POST') {
      req.resume();
      throw new TokenRequestError('invalid_request', 'use POST', { status: 405, headers: { allow: 'POST' } });
    }
    const params = await readFormBody(req, 16 * 1024);
    await authenticateClient(req.headers.authorization, params, context);
    const token = params.get('token');
    if (token === undefined) throw new TokenRequestError('invalid_request', 'token is required');
    const claims = tokens.get(token);
    if (claims === undefined) return { active: false };
    if (typeof claims.exp === 'number' && claims.exp * 1000 <= now()) {
      tokens.delete(token);
      return { active: false };
    }
    return { active: true, ...claims };
  }

  return {
    handle(req, res) {
      respond(req).then(
        (body) => send(res, 200, body, {}),
        (error: unknown) => {
          if (error instanceof TokenRequestError) send(res, error.status, { error: error.code, error_description: error.message }, error.headers);
          else send(res, 500, { error: 'server_error', error_description: 'the introspection endpoint failed' }, {});
        },
      );
    },
    mint(claims) {
      const token = randomBytes(32).toString('base64url');
      tokens.set(token, { token_type: 'Bearer', ...claims });
      if (tokens.size > MAX_TOKENS) tokens.delete(tokens.keys().next().value!);
      return token;
    },
    revoke(token) {
      return tokens.delete(token);
    },
  };
}
