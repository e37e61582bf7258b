// Client authentication at the token endpoint: client_secret_basic, client_secret_post (RFC 6749 section 2.3.1), private_key_jwt (RFC 7523).
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { ResolvedAuth } from '../client-options.js';

/** What one request carries to authenticate the client. */
export interface Authentication {
  readonly headers: Record<string, string>;
  readonly form: Record<string, string>;
}

// RFC 7523 section 3: short-lived; the server reads iat and exp with its own clock.
const ASSERTION_LIFETIME_SECONDS = 60;
const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

// RFC 6749 section 2.3.1: id and secret are form-urlencoded (application/x-www-form-urlencoded) before Basic encoding.
function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}

/**
 * The credentials of one client, in order of preference. `preferred` starts at the first (the newest)
 * and moves to whichever credential the server last accepted after refusing the preferred one.
 */
export class ClientAuthenticator {
  readonly kind: 'secret' | 'key' | 'certificate';
  readonly count: number;
  preferred = 0;
  readonly #clientId: string;
  readonly #auth: ResolvedAuth;

  constructor(clientId: string, auth: ResolvedAuth) {
    this.#clientId = clientId;
    this.#auth = auth;
    this.kind = auth.method === 'private_key_jwt' ? 'key' : auth.method === 'client_secret_basic' || auth.method === 'client_secret_post' ? 'secret' : 'certificate';
    this.count = auth.method === 'private_key_jwt' ? auth.keys.length : auth.method === 'client_secret_basic' || auth.method === 'client_secret_post' ? auth.secrets.length : 1;
  }

  /** The order to try the credentials in: the preferred one, then the others in configured order. */
  order(): number[] {
    const rest = [...Array(this.count).keys()].filter((index) => index !== this.preferred);
    return [this.preferred, ...rest];
  }

  /** The `kid` of a key, for events. */
  kid(index: number): string | undefined {
    return this.#auth.method === 'private_key_jwt' ? this.#auth.keys[index]?.kid : undefined;
  }

  /** Headers and form members that authenticate one request with credential `index`. */
  async authenticate(index: number, tokenEndpoint: string): Promise<Authentication> {
    const auth = this.#auth;
    const clientId = this.#clientId;
    switch (auth.method) {
      case 'client_secret_basic': {
        const pair = `${formEncode(clientId)}:${formEncode(auth.secrets[index]!)}`;
        return { headers: { authorization: `Basic ${Buffer.from(pair, 'utf8').toString('base64')}` }, form: {} };
      }
      case 'client_secret_post':
        return { headers: {}, form: { client_id: clientId, client_secret: auth.secrets[index]! } };
      case 'tls_client_auth':
      case 'self_signed_tls_client_auth':
        // RFC 8705 section 2: the certificate on the connection authenticates; the body names the client.
        return { headers: {}, form: { client_id: clientId } };
      case 'private_key_jwt': {
        const { key, kid, alg } = auth.keys[index]!;
        // The authorization server checks iat and exp with its own clock: the real time, even when the
        // client's clock is injected. A fresh jti per assertion: servers refuse a replayed one.
        const now = Math.floor(Date.now() / 1000);
        const assertion = await new SignJWT({})
          .setProtectedHeader(kid === undefined ? { alg, typ: 'JWT' } : { alg, kid, typ: 'JWT' })
          .setIssuer(clientId)
          .setSubject(clientId)
          .setAudience(auth.audience ?? tokenEndpoint)
          .setIssuedAt(now)
          .setExpirationTime(now + ASSERTION_LIFETIME_SECONDS)
          .setJti(randomUUID())
          .sign(key);
        return { headers: {}, form: { client_id: clientId, client_assertion_type: JWT_BEARER, client_assertion: assertion } };
      }
    }
  }
}
