// createVerifier: checks a JWT access token's signature and claims and returns an AccessToken.
import type { ProtectedHeaderParameters } from 'jose';
import { toAccessToken, type AccessToken, type JwtAccessTokenClaims } from './access-token.js';
import type { ClaimRuleRef } from './claim-rules.js';
import { InvalidRequestError, InvalidTokenError, MissingTokenError, TollgateError, type MissingTokenReason, type TollgateErrorReason } from './errors.js';
import { OTHER_SCHEME, readCredentials, type ExtractOptions, type RequestLike } from './extract-bearer-token.js';
import { configuredJwks, discoveredJwks } from './lib/jwks-location.js';
import { isAcceptedTokenType } from './lib/token-type.js';
import { checkClaims } from './lib/check-claims.js';
import { freshFor } from './lib/cache-control.js';
import { decodeJws } from './lib/decode-jws.js';
import { enforceDeclarativeRules, enforceValidators, type RefuseClaims } from './lib/enforce-claim-rules.js';
import { publishAuthentication } from './lib/publish-audit-events.js';
import { createKeySets, fixedKeySets, type KeySets } from './lib/issuer-key-sets.js';
import { RemoteJwks } from './lib/remote-jwks.js';
import { StaticJwks } from './lib/static-jwks.js';
import { checkTimeClaims } from './lib/time-claims.js';
import { VerifiedTokenCache } from './lib/verified-token-cache.js';
import { verifySignature } from './lib/verify-signature.js';
import { isPermanentRefusal, RejectionCache } from './lib/rejection-cache.js';
import { isThenable } from './lib/thenable.js';
import { checkUrl } from './lib/url-policy.js';
import { Introspector } from './lib/introspection/introspector.js';
import { createDpopCheck } from './lib/dpop/check-dpop.js';
import { dpopToken, usesDpopScheme } from './lib/dpop/read-dpop-request.js';
import { createBindingCheck, type CertificateSource } from './lib/mtls/check-certificate-binding.js';
import type { VerifyOptions } from './mtls.js';
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
   * `InvalidTokenError` (401), `JwksUnavailableError` or `IntrospectionUnavailableError` (503). A
   * certificate-bound token passes only with `options.certificate`, the one it names (RFC 8705 section 3).
   */
  verify(token: string, options?: VerifyOptions): Promise<AccessToken>;
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

/** Adds the verifier's DPoP challenge to a refusal made outside it (a guard's 401 or 403), given the token it concerns. */
export type ChallengeRefusal = (error: TollgateError, token: AccessToken | undefined) => void;
const challengers = new WeakMap<Verifier, ChallengeRefusal>();

/** The DPoP challenge hook of a verifier made by {@link createVerifier}, for core's guard. Not part of the public API. */
export function challengerOf(verifier: Verifier): ChallengeRefusal | undefined {
  return challengers.get(verifier);
}

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
  const fail = (reason: TollgateErrorReason, description: string, rule?: ClaimRuleRef) => new InvalidTokenError(description, { reason, realm, rule });
  // The verifier's claim rules are part of the token's validity: a token that fails one is invalid here (401).
  const refuseClaims: RefuseClaims = (rule) => fail('claim_rule', 'token claims not accepted', rule);
  const claimRuleSet = options.claims;
  const hasValidators = claimRuleSet !== undefined && claimRuleSet.validators.length > 0;
  // How long a fetched JWKS or metadata document is fresh: its caching headers within bounds, else cacheMaxAge.
  const policy = { fallback: options.jwks.cacheMaxAge, bounds: options.jwks.cacheControl };
  const lifetime = (headers: Pick<Headers, 'get'>) => freshFor(headers, now(), policy);
  const fetchOptions = { fetch: options.fetch, timeoutSeconds: options.jwks.timeout, maxBytes: options.jwks.maxResponseBytes, lifetime };
  const jwksSettings = { algorithms: options.algorithms, ...options.jwks, realm, now };

  // Static keys serve every listed issuer. Otherwise one key set per configured URL, or one per issuer, each
  // discovered from its metadata; for an issuer pattern or function they are made as trusted issuers show
  // up (lib/issuer-key-sets.ts).
  const keySets: KeySets = options.keys
    ? fixedKeySets(options.issuers, new StaticJwks(options.keys, realm), realm)
    : createKeySets(options, {
        configured: (url) => new RemoteJwks({ ...jwksSettings, source: url, load: configuredJwks(url, fetchOptions) }),
        discovered: (issuer) =>
          new RemoteJwks({
            ...jwksSettings,
            source: issuer,
            // Discovery runs inside the JWKS fetch, so it shares its single flight, timeout and cooldown.
            load: discoveredJwks(issuer, {
              ...fetchOptions,
              checkUrl: (url) => checkUrl('jwks_uri', url, options.insecureHosts.length > 0 ? { hosts: options.insecureHosts } : options.allowInsecureRequests),
              now,
            }),
          }),
      });
  const exactIssuer = options.issuerRule !== undefined;
  // Opaque tokens (or all, as configured) are introspected; signed introspection responses use the same key sets.
  const introspector = options.introspection ? new Introspector(options, (issuer) => keySets.get(issuer, now())) : undefined;
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
    // The unverified iss only chooses which trusted issuer's keys to try (an issuer rule decides trust
    // before anything is fetched for it); checkClaims then checks it.
    if (payload.iss === undefined) throw fail('missing_claim', 'missing iss claim');
    if (typeof payload.iss !== 'string') throw fail('issuer', 'issuer mismatch');
    const issuer = payload.iss;
    const jwks = await keySets.resolve(issuer);
    const verdict = await jwks.verify({ alg: header.alg, kid: header.kid as string | undefined }, (key) =>
      verifySignature(header.alg, key, signingInput, signature, options.jwks.maxRsaModulusBits),
    );
    const { generation } = verdict;
    let accessToken: AccessToken;
    try {
      if (!verdict.valid) throw fail('signature', 'invalid signature');
      // Under a rule, the iss must be exactly the issuer whose keys verified the signature.
      checkClaims(payload, now(), exactIssuer ? { ...claimRules, issuers: [issuer] } : claimRules);
      // A `cnf` other than a DPoP key thumbprint is refused in toAccessToken; a DPoP-bound token is cached
      // like any other, and each request must still bring its proof (authenticateNow, bearerOnly).
      accessToken = toAccessToken(token, header as ProtectedHeaderParameters, payload as JwtAccessTokenClaims, realm, 'jwt');
      // Declarative rules read only the signed claims, so their answer holds for the token's whole life:
      // checked once here, their refusal remembered like any other. Validators run per request (check()).
      if (claimRuleSet) enforceDeclarativeRules(claimRuleSet, accessToken.claims, refuseClaims);
    } catch (error) {
      if (error instanceof InvalidTokenError && isPermanentRefusal(error.reason)) {
        // A bad signature holds only until a refetch could show a key replaced behind the kid.
        const recheckAt = error.reason === 'signature' ? verdict.recheckAt : undefined;
        rejections.set(token, { reason: error.reason, description: error.description, issuer, generation, recheckAt, rule: error.rule });
      }
      throw error;
    }
    // Only a token that passed every check counts as its issuer's keys being in use: one signed for another
    // audience, expired, or failing a claim rule must not keep an attacker's tenant over a customer's.
    keySets.proven(issuer);
    cache.set(token, accessToken, generation);
    return accessToken;
  }

  // A validator may read state that changes (a revocation list), so it runs on every request, cache hits
  // included, and its answer is never cached. Synchronous while the validator is.
  const validated = (accessToken: AccessToken): AccessToken | Promise<AccessToken> =>
    hasValidators ? enforceValidators(claimRuleSet, accessToken, refuseClaims, realm) : accessToken;

  const withClaimRules = (accessToken: AccessToken): AccessToken | Promise<AccessToken> => {
    if (claimRuleSet) enforceDeclarativeRules(claimRuleSet, accessToken.claims, refuseClaims);
    return validated(accessToken);
  };

  // Synchronous on a cache hit or a remembered refusal (it throws); a promise only when a signature is checked
  // (or a claim validator answers by promise).
  function check(token: string): AccessToken | Promise<AccessToken> {
    // Size first: nothing is decoded or fetched for a token over the cap.
    if (typeof token !== 'string' || token.length === 0) throw fail('malformed_token', 'malformed token');
    if (token.length > options.maxTokenLength) throw fail('token_too_large', 'token too large');
    // An introspected token is held to the verifier's claim rules like a JWT.
    if (introspector?.handles(token)) {
      const known = introspector.accepted(token);
      return known ? withClaimRules(known) : introspector.introspect(token).then(withClaimRules);
    }
    // A hit is a string that passed every check below once, so the shape check waits for a miss.
    const hit = cache.get(token);
    if (hit) {
      const at = now();
      const jwks = keySets.get(hit.accessToken.issuer, at);
      // Reuse only while the same keys are current and usable: a removed key stops verifying once a refetch
      // shows it gone. Keys past cacheMaxAge still serve here while they are refreshed in the background.
      if (jwks && jwks.generation === hit.generation && jwks.inHand(at)) {
        try {
          checkTimeClaims(hit.accessToken.claims, at, options);
        } catch (error) {
          cache.delete(token);
          throw error;
        }
        return validated(hit.accessToken);
      }
      cache.delete(token);
    }
    if (!COMPACT_JWS.test(token)) throw fail('malformed_token', 'malformed token');
    const refused = rejections.get(token);
    if (refused) {
      const at = now();
      const jwks = keySets.get(refused.issuer, at);
      // Same rule as above: a refusal holds only while the key set that decided it is current, and no
      // longer than a refetch could change it.
      const standing = refused.recheckAt === undefined || at < refused.recheckAt;
      if (jwks && jwks.generation === refused.generation && standing && jwks.inHand(at)) throw fail(refused.reason, refused.description, refused.rule);
      rejections.delete(token);
    }
    return hasValidators ? verifyUncached(token).then(validated) : verifyUncached(token);
  }

  // RFC 9449 section 7.1 / RFC 8705 section 3: a token bound to a key (`cnf`) is only valid with proof of
  // that key. Without a DPoP proof, a DPoP-bound token is refused and a certificate-bound one needs the
  // certificate it names (the request's, or the one given to verify()); checked on every call, cached or not.
  const bindingCheck = createBindingCheck(options.mtls, realm);
  const asBearer = (outcome: AccessToken | Promise<AccessToken>, source: CertificateSource): AccessToken | Promise<AccessToken> =>
    isThenable<AccessToken>(outcome) ? Promise.resolve(outcome).then((accessToken) => bindingCheck(accessToken, source)) : bindingCheck(outcome as AccessToken, source);

  // RFC 9728 section 5.1: with metadata on, every refusal's challenge says where the metadata is.
  const metadataUrl = options.metadata?.url;
  const withMetadata = (error: unknown): unknown => {
    if (metadataUrl !== undefined && error instanceof TollgateError && error.resourceMetadata === undefined) error.resourceMetadata = metadataUrl;
    return error;
  };
  const dpop = options.dpop;
  const dpopCheck = dpop && createDpopCheck(dpop, { realm, now, maxRsaModulusBits: options.jwks.maxRsaModulusBits, clockTolerance: options.clockTolerance });
  // A refusal names DPoP in its challenge when the API configured DPoP, when the request was DPoP, or when
  // the token was DPoP-bound; the error goes on the scheme the request used (RFC 9449 section 7.1).
  const challenge = (error: unknown, onDpop: boolean, bound = false): unknown => {
    if (dpopCheck && error instanceof TollgateError && error.dpop === undefined && (dpop.configured || onDpop || bound)) error.dpop = dpopCheck.challenge(onDpop);
    return withMetadata(error);
  };
  // A refusal because the token is bound to a key: its challenge names DPoP even where DPoP was not configured.
  const isBoundRefusal = (error: unknown): boolean => error instanceof InvalidTokenError && error.reason === 'sender_constrained';
  // `required: true` (RFC 9449 section 7.1): a bearer token is refused before anything about it is checked.
  const bearer = (credentials: string, request: RequestLike): AccessToken | Promise<AccessToken> => {
    if (dpop?.required) throw fail('dpop_required', 'DPoP-bound token required');
    return asBearer(check(credentials), { request });
  };
  // The DPoP scheme: always a promise (the proof's signature is checked on every request), never the
  // synchronous cache-hit path, so no cache hit can skip the proof or its replay claim.
  const authenticateDpop = (request: RequestLike, authOptions: AuthenticateOptions): Promise<AccessToken> => {
    // Repeated Authorization headers, or a token also in the query or body (two methods), are refused as for Bearer.
    if (readCredentials(request, authOptions, realm) !== OTHER_SCHEME) throw new InvalidRequestError('token sent by more than one method', { reason: 'multiple_methods', realm });
    const token = dpopToken(request.headers.authorization as string);
    if (token === undefined) throw new InvalidRequestError('malformed Authorization header', { reason: 'malformed_header', realm });
    return dpopCheck!.check(request, token, check).catch((error: unknown) => {
      throw challenge(error, true);
    });
  };

  // One audit event per call, whatever the outcome; authenticate does not go through the public verify.
  const accepted = <T extends AccessToken | undefined>(accessToken: T): T => {
    publishAuthentication(accessToken);
    return accessToken;
  };
  const refused = (error: unknown): never => {
    withMetadata(error);
    publishAuthentication(undefined, error);
    throw error;
  };
  const settle = <T extends AccessToken | undefined>(outcome: T | Promise<T>): T | Promise<T> =>
    isThenable<T>(outcome) ? Promise.resolve(outcome).then(accepted, refused) : accepted(outcome as T);
  // A string the cache holds passed the b64token check when it was verified (every JWS is a b64token).
  const isKnown = (token: string): boolean => cache.peek(token) !== undefined;

  // The guard's entry: returns the outcome itself on a cache hit, so a reused token costs no promise.
  function authenticateNow(request: RequestLike, authOptions: AuthenticateOptions = NO_OPTIONS): AccessToken | undefined | Promise<AccessToken> {
    let outcome: AccessToken | Promise<AccessToken>;
    const isDpop = dpopCheck !== undefined && usesDpopScheme(request.headers.authorization);
    try {
      if (isDpop) {
        outcome = authenticateDpop(request, authOptions);
      } else {
        const credentials = readCredentials(request, authOptions, realm, isKnown);
        if (typeof credentials !== 'string') {
          // RFC 6750 section 3.1: credentials of another scheme are answered like none (401, bare challenge; an
          // optional route lets the request through); the reason tells operators which it was.
          const none: MissingTokenReason = credentials === OTHER_SCHEME ? 'unsupported_scheme' : 'missing_token';
          if (!authOptions.optional) throw new MissingTokenError({ realm, reason: none });
          publishAuthentication(undefined, undefined, none);
          return undefined;
        }
        outcome = bearer(credentials, request);
        if (dpopCheck && isThenable<AccessToken>(outcome)) {
          outcome = Promise.resolve(outcome).catch((error: unknown) => {
            throw challenge(error, false, isBoundRefusal(error));
          });
        }
      }
    } catch (error) {
      return refused(challenge(error, isDpop, isBoundRefusal(error)));
    }
    return settle(outcome);
  }

  function verifyNow(token: string, verifyOptions: VerifyOptions | undefined): AccessToken | Promise<AccessToken> {
    let outcome: AccessToken | Promise<AccessToken>;
    try {
      outcome = asBearer(check(token), { certificate: verifyOptions?.certificate });
    } catch (error) {
      return refused(error);
    }
    return settle(outcome);
  }

  const verify = (token: string, verifyOptions?: VerifyOptions): Promise<AccessToken> => promise(() => verifyNow(token, verifyOptions));
  const authenticate = (request: RequestLike, authOptions?: AuthenticateOptions): Promise<AccessToken | undefined> =>
    promise(() => authenticateNow(request, authOptions));

  const verifier: Verifier = Object.freeze({ verify, authenticate, options });
  synchronousEntries.set(verifier, authenticateNow);
  if (dpopCheck || metadataUrl !== undefined) challengers.set(verifier, (error, token) => challenge(error, token?.binding.kind === 'dpop'));
  return verifier;
}
