// The API's client authentication at the introspection endpoint: client_secret_basic, client_secret_post (RFC 6749 section 2.3.1), private_key_jwt (RFC 7523).
import { constants, randomUUID, sign, type KeyObject } from 'node:crypto';
import { inspect } from 'node:util';
import type { ClientAssertionAlgorithm, IntrospectionClientAuth, IntrospectionCredentials } from '../../introspection.js';

// RFC 7523 section 3: the assertion is short-lived; the authorization server's clock reads it.
const ASSERTION_LIFETIME_SECONDS = 60;
const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** What one introspection request carries to authenticate the API: headers and form members. */
export interface ClientAuthentication {
  readonly headers: Record<string, string>;
  readonly form: Record<string, string>;
}

type Settings =
  | { method: Exclude<IntrospectionClientAuth, 'private_key_jwt'>; clientId: string; clientSecret: string }
  | { method: 'private_key_jwt'; clientId: string; privateKey: { key: KeyObject; kid: string; alg: ClientAssertionAlgorithm } };

/**
 * The API's client credentials. The secret and the key live in private fields, so the resolved options
 * can be logged or serialized without them.
 */
export class ClientCredentials implements IntrospectionCredentials {
  readonly method: IntrospectionClientAuth;
  readonly clientId: string;
  readonly #settings: Settings;

  constructor(settings: Settings) {
    this.method = settings.method;
    this.clientId = settings.clientId;
    this.#settings = settings;
    Object.freeze(this);
  }

  /**
   * The headers and form members that authenticate one request to `endpoint`. A `private_key_jwt`
   * assertion names `audience` (the issuer identifier, or the endpoint) and is fresh for each request.
   * @see RFC 6749 section 2.3.1, RFC 7523 sections 2.2 and 3
   */
  async authenticate(audience: string): Promise<ClientAuthentication> {
    const settings = this.#settings;
    switch (settings.method) {
      case 'client_secret_basic': {
        // RFC 6749 section 2.3.1: id and secret are form-urlencoded before they are joined and base64-encoded.
        const pair = `${formEncode(settings.clientId)}:${formEncode(settings.clientSecret)}`;
        return { headers: { authorization: `Basic ${Buffer.from(pair, 'utf8').toString('base64')}` }, form: {} };
      }
      case 'client_secret_post':
        return { headers: {}, form: { client_id: settings.clientId, client_secret: settings.clientSecret } };
      case 'private_key_jwt': {
        const { key, kid, alg } = settings.privateKey;
        // The authorization server checks iat/exp with its own clock, so the real time is used here even
        // when the verifier's clock is injected.
        const now = Math.floor(Date.now() / 1000);
        const claims = { iss: settings.clientId, sub: settings.clientId, aud: audience, jti: randomUUID(), iat: now, exp: now + ASSERTION_LIFETIME_SECONDS };
        const assertion = await signJwt({ alg, kid, typ: 'JWT' }, claims, key);
        return { headers: {}, form: { client_id: settings.clientId, client_assertion_type: JWT_BEARER, client_assertion: assertion } };
      }
    }
  }

  toJSON(): { method: IntrospectionClientAuth; clientId: string } {
    return { method: this.method, clientId: this.clientId };
  }

  [inspect.custom](): string {
    return `ClientCredentials { method: '${this.method}', clientId: ${JSON.stringify(this.clientId)} }`;
  }
}

const DIGESTS: Record<string, string | null> = { '256': 'sha256', '384': 'sha384', '512': 'sha512' };

/**
 * Signs a compact JWS with node:crypto (RFC 7515 section 7.1): ECDSA signatures in the JOSE (IEEE P1363)
 * form, RSA-PSS with a salt as long as the digest (RFC 7518 section 3.5), Ed25519 without a digest.
 * On libuv's thread pool (the callback form of `sign`): an RSA signature takes milliseconds, and a flood
 * of tokens to introspect must not spend them on the event loop that answers every other request.
 */
async function signJwt(header: { alg: ClientAssertionAlgorithm; kid: string; typ: string }, claims: Record<string, unknown>, key: KeyObject): Promise<string> {
  const encode = (value: object) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
  const input = `${encode(header)}.${encode(claims)}`;
  const { alg } = header;
  const digest = alg === 'EdDSA' ? null : DIGESTS[alg.slice(2)]!;
  const options = alg.startsWith('PS')
    ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }
    : alg.startsWith('ES')
      ? { key, dsaEncoding: 'ieee-p1363' as const }
      : key;
  const signature = await new Promise<Buffer>((resolve, reject) => {
    sign(digest, Buffer.from(input, 'ascii'), options, (error, result) => (error ? reject(error) : resolve(result)));
  });
  return `${input}.${signature.toString('base64url')}`;
}

/** application/x-www-form-urlencoded encoding of one value (spaces as '+'), as RFC 6749 appendix B specifies. */
function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}
