// createVerifier: checks a JWT access token's signature and claims and returns an AccessToken.
import type { ProtectedHeaderParameters } from 'jose';
import { toAccessToken, type AccessToken, type JwtAccessTokenClaims } from './access-token.js';
import { InvalidTokenError, MissingTokenError, type MissingTokenReason, type TollgateErrorReason } from './errors.js';
import { OTHER_SCHEME, readCredentials, type ExtractOptions, type RequestLike } from './extract-bearer-token.js';
import { configuredJwks, discoveredJwks } from './lib/jwks-location.js';
import { isAcceptedTokenType } from './lib/token-type.js';
import { checkClaims } from './lib/check-claims.js';
import { decodeJws } from './lib/decode-jws.js';
import { publishAuthentication } from './lib/publish-audit-events.js';
import { RemoteJwks } from './lib/remote-jwks.js';
import { checkTimeClaims } from './lib/time-claims.js';
import { VerifiedTokenCache } from './lib/verified-token-cache.js';
import { verifySignature } from './lib/verify-signature.js';
import { isPermanentRefusal, RejectionCache } from './lib/rejection-cache.js';
import { checkUrl } from './lib/url-policy.js';
import { Introspector } from './lib/introspection/introspector.js';
import { resolveOptions, type ResolvedOptions, type VerifierOptions } from './options.js';

/** Options of {@link Verifier.authenticate}. */
export interface AuthenticateOptions extends Omit<ExtractOptions, 'realm'> {
  /** A request without any token passes with `undefined`; a bad token is still rejected. */
  optional?: boolean;
}

/** A configured verifier. Create one per API and reuse it: it holds the JWKS and token caches. */
export interface Verifier {
  /**
   * Verifies a raw token: a JWT locally, an opaque token by introspection when configured. Throws
   * `InvalidTokenError` (401), `JwksUnavailableError` or `IntrospectionUnavailableError` (503).
   */
  verify(token: string): Promise<AccessToken>;
  /**
   * Extracts and verifies the request's token. Throws `MissingTokenError` when there is none
   * (unless `optional`), `InvalidRequestError` for a malformed request, and whatever `verify` throws.
   */
  authenticate(request: RequestLike, options?: AuthenticateOptions): Promise<AccessToken | undefined>;
  /** The validated options, with defaults applied. */
  readonly options: ResolvedOptions;
}

/** A verifier's synchronous entry: the outcome itself on a cache hit (a throw for a refusal), a promise otherwise. */
export type AuthenticateNow = (request: RequestLike, options?: AuthenticateOptions) => AccessToken | undefined | Promise<AccessToken>;

// Keyed by the very object createVerifier returned: a copy or a wrapper (`{ ...verifier, authenticate }`)
// is not in it, so a guard never goes around an `authenticate` that someone replaced.
const synchronousEntries = new WeakMap<Verifier, AuthenticateNow>();

/**
 * The synchronous entry of a verifier made by {@link createVerifier} in this copy of core, for core's guard;
 * `undefined` for any other object. Not part of the public API.
 */
export function synchronousEntryOf(verifier: Verifier): AuthenticateNow | undefined {
  return synchronousEntries.get(verifier);
}

/** The outcome as a promise, a synchronous throw included. */
function promise<T>(run: () => T | Promise<T>): Promise<T> {
  try {
    return Promise.resolve(run());
  } catch (error) {
    return Promise.reject(error);
  }
}

const NO_OPTIONS: AuthenticateOptions = Object.freeze({});
// RFC 7515 section 7.1: three base64url segments; an empty signature is left for the alg check to refuse.
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
// RFC 9068 section 2.2: claims every JWT access token carries.
const RFC9068_CLAIMS = ['iss', 'exp', 'aud', 'sub', 'client_id', 'iat', 'jti'];

/**
 * Creates a verifier. Options are validated now: a wrong one throws `TollgateConfigError` naming it.
 * @example
 * const verifier = createVerifier({ issuer: 'https://auth.example.com/', audience: 'https://api.example.com' });
 * const token = await verifier.verify(jwt);
 * @see RFC 9068, RFC 7519 section 7.2
 */
export function createVerifier(input: VerifierOptions): Verifier {
  const options = resolveOptions(input);
  const { realm, now } = options;
  const fail = (reason: TollgateErrorReason, description: string) => new InvalidTokenError(description, { reason, realm });
  const fetchOptions = { fetch: options.fetch, timeoutSeconds: options.jwks.timeout, maxBytes: options.jwks.maxResponseBytes };
  const jwksSettings = { algorithms: options.algorithms, ...options.jwks, realm, now };

  const jwksFor = (issuer: string | undefined): RemoteJwks =>
    new RemoteJwks({
      ...jwksSettings,
      source: options.jwksUri ?? issuer!,
      // Discovery runs inside the JWKS fetch, so it shares its single flight, timeout and cooldown.
      load: options.jwksUri
        ? configuredJwks(options.jwksUri, fetchOptions)
        : discoveredJwks(issuer!, {
            ...fetchOptions,
            checkUrl: (url) => checkUrl('jwks_uri', url, options.insecureHosts.length > 0 ? { hosts: options.insecureHosts } : options.allowInsecureRequests),
            cacheMaxAge: options.jwks.cacheMaxAge,
            now,
          }),
    });
  // One key set for an explicit jwksUri; otherwise one per issuer, each discovered from its metadata.
  const shared = options.jwksUri ? jwksFor(undefined) : undefined;
  const perIssuer = new Map(options.issuers.map((issuer) => [issuer, shared ?? jwksFor(issuer)]));
  // Opaque tokens (or all, as configured) are introspected; signed introspection responses use the same key sets.
  const introspector = options.introspection ? new Introspector(options, (issuer) => perIssuer.get(issuer)) : undefined;
  const cache = new VerifiedTokenCache(options.cacheMaxEntries);
  const rejections = new RejectionCache(options.cacheMaxRejections);
  const claimRules = {
    issuers: options.issuers,
    audiences: options.audiences,
    requiredClaims: [...new Set(['exp', ...options.requiredClaims, ...(options.strict ? RFC9068_CLAIMS : [])])],
    clockTolerance: options.clockTolerance,
    maxTokenAge: options.maxTokenAge,
    realm,
    strict: options.strict,
  };

  function checkHeader(header: ProtectedHeaderParameters): asserts header is ProtectedHeaderParameters & { alg: string } {
    // The allow-list is checked before any key is fetched: 'none' and HS* never reach key selection.
    if (typeof header.alg !== 'string' || !(options.algorithms as readonly string[]).includes(header.alg)) {
      throw fail('algorithm', 'algorithm not allowed');
    }
    // RFC 7515 section 4.1.11: no extension is understood here, so any `crit` is refused before a key is fetched.
    if (header.crit !== undefined) throw fail('unsupported_header', 'unsupported token header');
    // RFC 7515 section 4.1.4: a kid is a string. Any other value must not be read as "no kid".
    if (header.kid !== undefined && typeof header.kid !== 'string') throw fail('malformed_token', 'malformed token');
    if (!isAcceptedTokenType(header.typ, options.strict)) throw fail('token_type', 'token type not accepted');
  }

  async function verifyUncached(token: string): Promise<AccessToken> {
    // Decoded once; nothing below trusts a field of it until the signature has checked out.
    const { header, payload, signingInput, signature } = decodeJws(token, realm);
    checkHeader(header);
    // The unverified iss only chooses which configured issuer's keys to try; checkClaims then checks it.
    if (payload.iss === undefined) throw fail('missing_claim', 'missing iss claim');
    const issuer = typeof payload.iss === 'string' ? payload.iss : undefined;
    const jwks = issuer === undefined ? undefined : perIssuer.get(issuer);
    if (!jwks || issuer === undefined) throw fail('issuer', 'issuer mismatch');
    const verdict = await jwks.verify({ alg: header.alg, kid: header.kid as string | undefined }, (key) =>
      verifySignature(header.alg, key, signingInput, signature, options.jwks.maxRsaModulusBits),
    );
    const { generation } = verdict;
    let accessToken: AccessToken;
    try {
      if (!verdict.valid) throw fail('signature', 'invalid signature');
      checkClaims(payload, now(), claimRules);
      // RFC 9449 section 7.1 / RFC 8705 section 3: a token bound to a key (`cnf`) is only valid with proof
      // of that key. tollgate checks bearer tokens only, so accepting it would strip the binding.
      if (payload.cnf !== undefined) throw fail('sender_constrained', 'sender-constrained token used as a bearer token');
      accessToken = toAccessToken(token, header as ProtectedHeaderParameters, payload as JwtAccessTokenClaims, realm, 'jwt');
    } catch (error) {
      if (error instanceof InvalidTokenError && isPermanentRefusal(error.reason)) {
        // A bad signature holds only until a refetch could show a key replaced behind the kid.
        const recheckAt = error.reason === 'signature' ? verdict.recheckAt : undefined;
        rejections.set(token, { reason: error.reason, description: error.description, issuer, generation, recheckAt });
      }
      throw error;
    }
    cache.set(token, accessToken, generation);
    return accessToken;
  }

  // Synchronous on a cache hit or a remembered refusal (it throws); a promise only when a signature is checked.
  function check(token: string): AccessToken | Promise<AccessToken> {
    // Size first: nothing is decoded or fetched for a token over the cap.
    if (typeof token !== 'string' || token.length === 0) throw fail('malformed_token', 'malformed token');
    if (token.length > options.maxTokenLength) throw fail('token_too_large', 'token too large');
    if (introspector?.handles(token)) return introspector.introspect(token);
    // A hit is a string that passed every check below once, so the shape check waits for a miss.
    const hit = cache.get(token);
    if (hit) {
      const jwks = perIssuer.get(hit.accessToken.issuer);
      const at = now();
      // Reuse only while the same keys are current and usable: a removed key stops verifying once a refetch
      // shows it gone. Keys past cacheMaxAge still serve here while they are refreshed in the background.
      if (jwks && jwks.generation === hit.generation && jwks.inHand(at)) {
        try {
          checkTimeClaims(hit.accessToken.claims, at, options);
        } catch (error) {
          cache.delete(token);
          throw error;
        }
        return hit.accessToken;
      }
      cache.delete(token);
    }
    if (!COMPACT_JWS.test(token)) throw fail('malformed_token', 'malformed token');
    const refused = rejections.get(token);
    if (refused) {
      const jwks = perIssuer.get(refused.issuer);
      const at = now();
      // Same rule as above: a refusal holds only while the key set that decided it is current, and no
      // longer than a refetch could change it.
      const standing = refused.recheckAt === undefined || at < refused.recheckAt;
      if (jwks && jwks.generation === refused.generation && standing && jwks.inHand(at)) throw fail(refused.reason, refused.description);
      rejections.delete(token);
    }
    return verifyUncached(token);
  }

  // One audit event per call, whatever the outcome; authenticate does not go through the public verify.
  const accepted = <T extends AccessToken | undefined>(accessToken: T): T => {
    publishAuthentication(accessToken);
    return accessToken;
  };
  const refused = (error: unknown): never => {
    publishAuthentication(undefined, error);
    throw error;
  };
  const settle = <T extends AccessToken | undefined>(outcome: T | Promise<T>): T | Promise<T> =>
    outcome instanceof Promise ? outcome.then(accepted, refused) : accepted(outcome);
  // A string the cache holds passed the b64token check when it was verified (every JWS is a b64token).
  const isKnown = (token: string): boolean => cache.peek(token) !== undefined;

  // The guard's entry: returns the outcome itself on a cache hit, so a reused token costs no promise.
  function authenticateNow(request: RequestLike, authOptions: AuthenticateOptions = NO_OPTIONS): AccessToken | undefined | Promise<AccessToken> {
    let outcome: AccessToken | Promise<AccessToken>;
    try {
      const credentials = readCredentials(request, authOptions, realm, isKnown);
      if (typeof credentials !== 'string') {
        // RFC 6750 section 3.1: credentials of another scheme are answered like none (401, bare challenge; an
        // optional route lets the request through); the reason tells operators which it was.
        const none: MissingTokenReason = credentials === OTHER_SCHEME ? 'unsupported_scheme' : 'missing_token';
        if (!authOptions.optional) throw new MissingTokenError({ realm, reason: none });
        publishAuthentication(undefined, undefined, none);
        return undefined;
      }
      outcome = check(credentials);
    } catch (error) {
      return refused(error);
    }
    return settle(outcome);
  }

  function verifyNow(token: string): AccessToken | Promise<AccessToken> {
    let outcome: AccessToken | Promise<AccessToken>;
    try {
      outcome = check(token);
    } catch (error) {
      return refused(error);
    }
    return settle(outcome);
  }

  const verify = (token: string): Promise<AccessToken> => promise(() => verifyNow(token));
  const authenticate = (request: RequestLike, authOptions?: AuthenticateOptions): Promise<AccessToken | undefined> =>
    promise(() => authenticateNow(request, authOptions));

  const verifier: Verifier = Object.freeze({ verify, authenticate, options });
  synchronousEntries.set(verifier, authenticateNow);
  return verifier;
}
