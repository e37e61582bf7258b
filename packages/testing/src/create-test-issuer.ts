// A local OAuth 2.0 authorization server for tests: keys, discovery, JWKS over HTTP, token minting.
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SignJWT, type JWK, type JWTPayload } from 'jose';
import { IssuerServer, type FaultTarget, type IssuerFault, type IssuerRequestCounts } from './issuer-server.js';
import { createIntrospectionEndpoint, type IntrospectionEndpoint } from './introspection-endpoint.js';
import { DPOP_PROOF_ALGORITHMS } from './lib/dpop-token-proof.js';
import { createSigningKey, type TestAlgorithm, type TestSigningKey } from './signing-keys.js';
import { createTokenEndpoint, send, TOKEN_ENDPOINT_AUTH_ALGORITHMS, TOKEN_ENDPOINT_AUTH_METHODS, type TestClient } from './token-endpoint.js';
import { algNoneToken, hmacWithPublicKeyToken } from './unsafe-tokens.js';

/** Options of {@link createTestIssuer}. */
export interface TestIssuerOptions {
  /** One key is generated per algorithm. Default: RS256, PS256, ES256, EdDSA. */
  algorithms?: readonly TestAlgorithm[];
  /** Path of the issuer identifier, e.g. `/tenant-a`. Default: none (`http://127.0.0.1:port`). */
  path?: string;
  /** Default `aud` of minted tokens. Default: `https://api.example.test`. */
  audience?: string;
  /** Which discovery documents are served. Default: `both`. */
  discovery?: 'both' | 'oauth' | 'oidc' | 'none';
  /** Overrides the `issuer` member of the discovery documents (to test the issuer-mismatch check). */
  advertisedIssuer?: string;
  /** Overrides the `jwks_uri` member of the discovery documents (to test the jwks_uri URL policy). */
  advertisedJwksUri?: string;
  /**
   * Clients of the token endpoint, `POST {issuer}/oauth/token` (client credentials grant). Without
   * any, the endpoint answers every request with invalid_client. See {@link TestClient}.
   * @see RFC 6749 section 4.4
   */
  clients?: readonly TestClient[];
  /**
   * Extra headers of every JWKS and discovery response (e.g. `{ 'cache-control': 'max-age=300' }`),
   * as {@link TestIssuer.setResponseHeaders} sets them later. Default: none.
   */
  responseHeaders?: Readonly<Record<string, string>>;
  /**
   * `true`: the token endpoint requires a server nonce in DPoP proofs (RFC 9449 section 8): a proof
   * without the current one gets 400 `use_dpop_nonce` and the nonce in a `DPoP-Nonce` header. See
   * {@link TestIssuer.rotateDpopNonce}. Default `false`.
   */
  dpopNonce?: boolean;
}

/** Options of {@link TestIssuer.sign}. */
export interface SignOptions {
  /** Which key signs: by algorithm (first key of that alg) or by `kid`. Default: the first key. */
  alg?: TestAlgorithm;
  /** Which key signs, by `kid`; takes precedence over `alg`. */
  kid?: string;
  /** Header parameters merged over the defaults (`alg`, `kid`, `typ: at+jwt`); `undefined` removes one. */
  header?: Record<string, unknown>;
  /** Claims removed from the payload after defaults and overrides are merged. */
  omit?: readonly string[];
  /** Lifetime in seconds from `now`. Default: 300. */
  expiresIn?: number;
  /** The current time in epoch seconds. Default: the real clock. */
  now?: number;
}

/** The test issuer returned by {@link createTestIssuer}. */
export interface TestIssuer {
  /** The issuer identifier (`iss`). */
  readonly issuer: string;
  /** The JWKS URL, `{issuer}/.well-known/jwks.json`. */
  readonly jwksUri: string;
  /** `{issuer}/oauth/token`: the client credentials grant for {@link TestIssuerOptions.clients}. */
  readonly tokenEndpoint: string;
  /**
   * `{issuer}/oauth/introspect`: introspection (RFC 7662) of the tokens {@link TestIssuer.signOpaque}
   * made, for any of {@link TestIssuerOptions.clients} (the API authenticates as one of them).
   */
  readonly introspectionEndpoint: string;
  /** Default audience of minted tokens. */
  readonly audience: string;
  /** Every key of the issuer, published or not, in the order made; the first signs by default. */
  readonly keys: readonly TestSigningKey[];
  /** Requests served so far, per endpoint. */
  readonly requests: Readonly<IssuerRequestCounts>;
  /**
   * Mints a signed access token. Defaults: `iss`, `aud`, `sub`, `client_id`, `iat`, `exp` (+300 s),
   * `jti`, and `typ: at+jwt`; every claim and header can be overridden.
   */
  sign(claims?: Record<string, unknown>, options?: SignOptions): Promise<string>;
  /**
   * Mints an opaque access token (a random string, not a JWT) with the same default claims as
   * {@link TestIssuer.sign}; the introspection endpoint answers for it until it expires or is revoked.
   * @example
   * const token = issuer.signOpaque({ scope: 'orders:read' });
   * createVerifier({ issuer: issuer.issuer, audience: issuer.audience, allowInsecureRequests: true,
   *   introspection: { clientId: 'orders-api', clientSecret: 's3cret' } }); // a client of the issuer
   * @see RFC 7662 section 2.2
   */
  signOpaque(claims?: Record<string, unknown>, options?: Pick<SignOptions, 'expiresIn' | 'now' | 'omit'>): string;
  /** Makes an opaque token inactive at the introspection endpoint (as RFC 7009 revocation would). */
  revoke(token: string): void;
  /** Generates a new key; published in the JWKS unless `publish: false`. Returns it. */
  rotate(options?: { alg?: TestAlgorithm; publish?: boolean; kid?: string }): Promise<TestSigningKey>;
  /** Removes a key from the JWKS (it can still sign, as a retired key would). */
  retire(kid: string): void;
  /** Lists a key in the JWKS again. */
  publish(kid: string): void;
  /** Extra raw entries appended to the JWKS (e.g. an encryption key, a symmetric key). */
  setExtraJwks(entries: readonly JWK[]): void;
  /**
   * Extra headers of the JWKS and/or discovery responses from now on, such as caching headers
   * (`cache-control`, `age`, `expires`, `date`); `null` removes them. They replace the ones set before
   * for that target. `content-type` and `content-length` cannot be overridden.
   * @example issuer.setResponseHeaders({ 'cache-control': 'public, max-age=300' }, 'jwks');
   * @see RFC 9111 section 5
   */
  setResponseHeaders(headers: Readonly<Record<string, string>> | null, target?: FaultTarget): void;
  /**
   * Makes the issuer's endpoints misbehave until `setFault(null)`, or for the next `times` requests
   * to the target. `target`: `all` (default: JWKS and discovery), `jwks`, `discovery`, or `token`
   * (the token endpoint alone).
   * @example issuer.setFault({ kind: 'error', status: 429, retryAfter: '1' }, 'token', 1);
   */
  setFault(fault: IssuerFault | null, target?: FaultTarget, times?: number): void;
  /**
   * Replaces the DPoP nonce the token endpoint requires (with `dpopNonce: true`), so the next proof
   * carrying the old one gets `use_dpop_nonce`. Returns the new nonce.
   * @example issuer.rotateDpopNonce(); // the client's next token request takes one extra round trip
   * @see RFC 9449 section 8
   */
  rotateDpopNonce(): string;
  /** Sets every count of {@link TestIssuer.requests} back to 0. */
  resetRequests(): void;
  /** Hostile tokens for negative tests. */
  readonly unsafe: {
    /** An unsecured token: `alg: none`, no signature. */
    algNone(claims?: Record<string, unknown>, header?: Record<string, unknown>): string;
    /** HS256 keyed with the public key of the first RSA key (key confusion). */
    hmacWithPublicKey(claims?: Record<string, unknown>, header?: Record<string, unknown>): string;
  };
  /** The default claims a token would get now, for building tokens by hand. */
  defaultClaims(now?: number): JWTPayload & Record<string, unknown>;
  /** Stops the server, dropping open connections and pending slow responses. */
  close(): Promise<void>;
}

const DEFAULT_ALGORITHMS: readonly TestAlgorithm[] = ['RS256', 'PS256', 'ES256', 'EdDSA'];

/**
 * The authorization endpoint: no response type is supported. RFC 6749 section 4.1.2.1: without a registered
 * redirection URI the answer goes to the user agent itself, never to a redirect the request names.
 */
function refuseAuthorization(req: IncomingMessage, res: ServerResponse): void {
  req.resume();
  send(res, 400, { error: 'unsupported_response_type', error_description: 'this test issuer issues tokens by the client credentials grant only' }, {});
}

/**
 * Starts a local issuer on an ephemeral port of 127.0.0.1. Close it when done.
 * @example
 * const issuer = await createTestIssuer();
 * const token = await issuer.sign({ scope: 'orders:read' });
 * await issuer.close();
 */
export async function createTestIssuer(options: TestIssuerOptions = {}): Promise<TestIssuer> {
  const algorithms = options.algorithms ?? DEFAULT_ALGORITHMS;
  if (algorithms.length === 0) throw new TypeError('createTestIssuer: algorithms must not be empty');
  const trimmed = (options.path ?? '').replace(/\/+$/, '');
  const path = trimmed && !trimmed.startsWith('/') ? `/${trimmed}` : trimmed;
  const audience = options.audience ?? 'https://api.example.test';
  const keys: TestSigningKey[] = await Promise.all(algorithms.map((alg) => createSigningKey(alg)));
  let extraJwks: JWK[] = [];

  const server = await IssuerServer.listen();
  if (options.responseHeaders) server.setResponseHeaders(options.responseHeaders);
  const issuer = `${server.origin}${path}`;
  const jwksPath = `${path}/.well-known/jwks.json`;
  const jwksUri = `${server.origin}${jwksPath}`;
  const tokenPath = `${path}/oauth/token`;
  const tokenEndpoint = `${server.origin}${tokenPath}`;
  const introspectionPath = `${path}/oauth/introspect`;
  const authorizationPath = `${path}/oauth/authorize`;
  const introspectionEndpoint = `${server.origin}${introspectionPath}`;
  const clients = options.clients ?? [];
  const scopes = [...new Set(clients.flatMap((client) => client.scopes))];
  const newNonce = () => randomBytes(16).toString('base64url');
  let dpopNonce = options.dpopNonce === true ? newNonce() : undefined;
  const metadata = () => ({
    issuer: options.advertisedIssuer ?? issuer,
    jwks_uri: options.advertisedJwksUri ?? jwksUri,
    token_endpoint: tokenEndpoint,
    // RFC 8414 section 2 requires both; clients such as the MCP SDK's refuse metadata without them. The
    // endpoint exists and refuses every request: no response type is supported (client credentials only).
    authorization_endpoint: `${server.origin}${authorizationPath}`,
    response_types_supported: [],
    grant_types_supported: ['client_credentials'],
    token_endpoint_auth_methods_supported: [...TOKEN_ENDPOINT_AUTH_METHODS],
    token_endpoint_auth_signing_alg_values_supported: [...TOKEN_ENDPOINT_AUTH_ALGORITHMS],
    ...(scopes.length > 0 ? { scopes_supported: scopes } : {}),
    // Published only with clients: without one, nobody could authenticate to it.
    ...(clients.length > 0 ? { introspection_endpoint: introspectionEndpoint, introspection_endpoint_auth_methods_supported: [...TOKEN_ENDPOINT_AUTH_METHODS] } : {}),
    id_token_signing_alg_values_supported: [...new Set(keys.map((key) => key.alg))],
    // RFC 9449 section 5.1: the token endpoint takes DPoP proofs signed with these.
    dpop_signing_alg_values_supported: [...DPOP_PROOF_ALGORITHMS],
  });
  const discovery = new Map<string, () => unknown>();
  const mode = options.discovery ?? 'both';
  // RFC 8414 section 3: the well-known segment goes between the host and the issuer's path.
  if (mode === 'both' || mode === 'oauth') discovery.set(`/.well-known/oauth-authorization-server${path}`, metadata);
  // OpenID Connect Discovery 1.0 section 4: the well-known segment is appended to the issuer.
  if (mode === 'both' || mode === 'oidc') discovery.set(`${path}/.well-known/openid-configuration`, metadata);
  // Built before the issuer object so that a misconfigured client fails createTestIssuer at once.
  let handleToken: ReturnType<typeof createTokenEndpoint>;
  let introspection: IntrospectionEndpoint;
  try {
    // Signed with the first key still published, so a retired key never signs a fresh token.
    const mint = (claims: Record<string, unknown>, expiresIn: number) =>
      testIssuer.sign(claims, { expiresIn, kid: keys.find((key) => key.published)?.kid });
    handleToken = createTokenEndpoint({ url: tokenEndpoint, issuer, clients, mint, dpopNonce: () => dpopNonce });
    introspection = createIntrospectionEndpoint({ url: introspectionEndpoint, issuer, clients });
  } catch (error) {
    await server.close();
    throw error;
  }
  server.setRoutes({
    discovery,
    jwksPath,
    jwks: () => ({ keys: [...keys.filter((key) => key.published).map((key) => key.publicJwk), ...extraJwks] }),
    endpoints: new Map([
      [tokenPath, { count: 'token', handle: handleToken }],
      [introspectionPath, { count: 'introspection', handle: introspection.handle }],
      [authorizationPath, { count: 'token', handle: refuseAuthorization }],
    ]),
  });

  const findKey = (kid: string): TestSigningKey => {
    const key = keys.find((candidate) => candidate.kid === kid);
    if (!key) throw new Error(`test issuer: no key with kid ${kid}`);
    return key;
  };
  const defaultClaims = (now = Math.floor(Date.now() / 1000)) => ({
    iss: issuer,
    aud: audience,
    sub: 'client-123',
    client_id: 'client-123',
    iat: now,
    exp: now + 300,
    jti: randomUUID(),
  });

  const testIssuer: TestIssuer = {
    issuer,
    jwksUri,
    tokenEndpoint,
    introspectionEndpoint,
    audience,
    keys,
    requests: server.counts,
    defaultClaims,
    async sign(claims = {}, signOptions = {}) {
      const key = signOptions.kid
        ? findKey(signOptions.kid)
        : signOptions.alg
          ? keys.find((candidate) => candidate.alg === signOptions.alg)
          : keys[0];
      if (!key) throw new Error(`test issuer: no key for ${signOptions.alg}; pass it in options.algorithms`);
      const now = signOptions.now ?? Math.floor(Date.now() / 1000);
      const payload: Record<string, unknown> = { ...defaultClaims(now), exp: now + (signOptions.expiresIn ?? 300), ...claims };
      for (const name of signOptions.omit ?? []) delete payload[name];
      const header: Record<string, unknown> = { alg: key.alg, kid: key.kid, typ: 'at+jwt', ...signOptions.header };
      for (const name of Object.keys(header)) if (header[name] === undefined) delete header[name];
      // jose refuses to sign with an alg that does not fit the key, so the signing alg stays the key's.
      return new SignJWT(payload as JWTPayload)
        .setProtectedHeader({ ...header, alg: key.alg } as { alg: string })
        .sign(key.privateKey)
        .then((token) => (header.alg === key.alg ? token : reheader(token, header)));
    },
    signOpaque(claims = {}, signOptions = {}) {
      const now = signOptions.now ?? Math.floor(Date.now() / 1000);
      const payload: Record<string, unknown> = { ...defaultClaims(now), exp: now + (signOptions.expiresIn ?? 300), ...claims };
      for (const name of signOptions.omit ?? []) delete payload[name];
      return introspection.mint(payload);
    },
    revoke(token) {
      introspection.revoke(token);
    },
    async rotate({ alg = keys[0]!.alg, publish = true, kid } = {}) {
      const key = await createSigningKey(alg, kid);
      key.published = publish;
      keys.push(key);
      return key;
    },
    retire(kid) {
      findKey(kid).published = false;
    },
    publish(kid) {
      findKey(kid).published = true;
    },
    setExtraJwks(entries) {
      extraJwks = [...entries];
    },
    setResponseHeaders(headers, target) {
      server.setResponseHeaders(headers, target);
    },
    setFault(fault, target, times) {
      server.setFault(fault, target, times);
    },
    rotateDpopNonce() {
      if (dpopNonce === undefined) throw new Error('test issuer: rotateDpopNonce needs createTestIssuer({ dpopNonce: true })');
      dpopNonce = newNonce();
      return dpopNonce;
    },
    resetRequests() {
      server.counts.jwks = 0;
      server.counts.discovery = 0;
      server.counts.token = 0;
      server.counts.introspection = 0;
      server.counts.total = 0;
    },
    unsafe: {
      algNone: (claims = {}, header = {}) => algNoneToken({ ...defaultClaims(), ...claims }, { kid: keys[0]!.kid, ...header }),
      hmacWithPublicKey(claims = {}, header = {}) {
        const rsa = keys.find((key) => key.alg.startsWith('RS') || key.alg.startsWith('PS'));
        if (!rsa) throw new Error('test issuer: hmacWithPublicKey needs an RSA key');
        return hmacWithPublicKeyToken(rsa.publicKey, { ...defaultClaims(), ...claims }, { kid: rsa.kid, ...header });
      },
    },
    close: () => server.close(),
  };
  return testIssuer;
}

// Swaps the header of a signed token (e.g. to claim another alg), keeping the now-invalid signature.
function reheader(token: string, header: Record<string, unknown>): string {
  const [, payload, signature] = token.split('.');
  return `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${payload}.${signature}`;
}
