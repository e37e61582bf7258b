// Verifies a token by introspection (RFC 7662): cache, one request per token at a time, the endpoint's answer held to the JWT claim rules.
import { toAccessToken, type AccessToken, type JwtAccessTokenClaims } from '../../access-token.js';
import { IntrospectionUnavailableError, InvalidTokenError, TollgateError, type TollgateErrorReason } from '../../errors.js';
import type { IntrospectionCacheEntry, ResolvedIntrospectionOptions } from '../../introspection.js';
import type { ResolvedOptions } from '../../options.js';
import { checkClaims, type ClaimRules } from '../check-claims.js';
import { checkTimeClaims } from '../time-claims.js';
import { AcceptedTokens } from './accepted-tokens.js';
import { publishIntrospection } from '../publish-audit-events.js';
import type { KeySet } from '../static-jwks.js';
import { checkUrl } from '../url-policy.js';
import { ClientCredentials } from './client-credentials.js';
import { introspectionEndpoint } from './introspection-endpoint.js';
import { IntrospectionFailure, postForm } from './post-form.js';
import { JWT_RESPONSE_TYPE, readIntrospectionResponse } from './read-response.js';
import { cacheKeyOf, cacheNamespaceOf, ResultCache } from './result-cache.js';
import { verifyIntrospectionJwt } from './verify-introspection-jwt.js';

// RFC 7515 section 7.1: what a token must look like to be verified locally as a JWT.
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
const NO_HEADER = Object.freeze({});

/**
 * Introspects tokens for one verifier. Invariants: an answer that is not the endpoint's clear "active"
 * is never a pass; a failure of the endpoint, of its answer or of the API's own credentials is a 503
 * (the token is not at fault), never a 401; a failing cache store means "not cached".
 */
export class Introspector {
  readonly #settings: ResolvedIntrospectionOptions;
  readonly #options: ResolvedOptions;
  readonly #keysOf: (issuer: string) => KeySet | undefined;
  readonly #rules: ClaimRules;
  readonly #endpoint: () => Promise<string>;
  readonly #cache: ResultCache | undefined;
  /** Tokens accepted from this process's own endpoint answers, for hits without a digest or a store read (default store only). */
  readonly #accepted: AcceptedTokens | undefined;
  /** Keeps this verifier's cache keys apart from those of verifiers for other endpoints or clients (a shared store). */
  readonly #cacheNamespace: string;
  readonly #pending = new Map<string, Promise<IntrospectionCacheEntry>>();
  #failedUntil = Number.NEGATIVE_INFINITY;
  #budget: number;
  #filledAt: number;

  constructor(options: ResolvedOptions, keysOf: (issuer: string) => KeySet | undefined) {
    this.#options = options;
    this.#settings = options.introspection!;
    this.#keysOf = keysOf;
    const { realm, now } = options;
    this.#budget = this.#settings.maxPerSecond;
    this.#filledAt = now();
    // The JWT claim rules, except RFC 9068's required claims in strict mode: those describe a JWT, and
    // introspection responses legitimately omit some (jti). exp is required: it bounds the cache entry
    // and sets expiresAt.
    this.#rules = {
      issuers: options.issuers,
      audiences: options.audiences,
      requiredClaims: [...new Set(['exp', ...options.requiredClaims])],
      clockTolerance: options.clockTolerance,
      maxTokenAge: options.maxTokenAge,
      realm,
      strict: options.strict,
    };
    const policy = options.insecureHosts.length > 0 ? { hosts: options.insecureHosts } : options.allowInsecureRequests;
    this.#endpoint = introspectionEndpoint({
      endpoint: this.#settings.endpoint,
      issuer: options.issuers[0]!,
      checkUrl: (url) => checkUrl('introspection_endpoint', url, policy),
      cacheMaxAge: options.jwks.cacheMaxAge,
      fetch: options.fetch,
      timeoutSeconds: options.jwks.timeout,
      maxBytes: options.jwks.maxResponseBytes,
      now,
    });
    const cache = this.#settings.cache;
    this.#cacheNamespace = cacheNamespaceOf(this.#settings.endpoint, options.issuers[0]!, this.#settings.clientId, this.#settings.jwtResponse);
    // With a store of your own, every use reads it: deleting an entry there (on a revocation event) takes
    // effect at once. With the default in-memory store, accepted tokens are also held in front of it.
    this.#accepted = cache && cache.store === undefined ? new AcceptedTokens(cache.maxEntries) : undefined;
    this.#cache = cache && new ResultCache({
      cache,
      now,
      onStoreError: (operation, error) => this.#publish('cache', `introspection cache store ${operation} failed: ${describe(error)}`),
    });
  }

  /** Whether this token goes to introspection: every token with `tokens: 'all'`, else those not shaped like a JWT. */
  handles(token: string): boolean {
    return this.#settings.tokens === 'all' || !COMPACT_JWS.test(token);
  }

  /**
   * Verifies `token` by introspection. Throws `InvalidTokenError` (401) when it is not active or its
   * claims fail the rules, `IntrospectionUnavailableError` (503) when it could not be introspected.
   * @see RFC 7662 sections 2 and 4
   */
  async introspect(token: string): Promise<AccessToken> {
    const key = cacheKeyOf(token, this.#cacheNamespace);
    let entry: IntrospectionCacheEntry | undefined;
    let fresh = false;
    try {
      entry = await this.#cache?.get(key);
      if (entry === undefined) {
        entry = await this.#ask(token, key);
        fresh = true;
      }
    } catch (error) {
      // Each caller gets an error of its own (callers sharing a request must not share a mutable error).
      if (error instanceof IntrospectionFailure) throw this.#unavailable((this.#failedUntil - this.#options.now()) / 1000, error);
      throw error;
    }
    const accessToken = this.#accept(token, entry);
    // Only an answer this process just got has a known age: one read from a shared store may be older.
    if (fresh && this.#accepted) {
      const ttl = this.#cache!.ttlOf(entry);
      if (ttl >= 1) this.#accepted.set(token, accessToken, this.#options.now() + ttl * 1000);
    }
    return accessToken;
  }

  /**
   * The token, when this process accepted it from the endpoint's answer less than the cache window ago:
   * synchronous, no digest, no store read. Its time claims are checked again (it throws when it expired).
   */
  accepted(token: string): AccessToken | undefined {
    const now = this.#options.now();
    const accessToken = this.#accepted?.get(token, now);
    if (accessToken === undefined) return undefined;
    try {
      checkTimeClaims(accessToken.claims, now, this.#options);
    } catch (error) {
      this.#accepted!.delete(token);
      throw error;
    }
    return accessToken;
  }

  /** Joins the request under way for this token, or sends one. */
  #ask(token: string, key: string): Promise<IntrospectionCacheEntry> {
    const pending = this.#pending.get(key);
    if (pending) return pending;
    const now = this.#options.now();
    // After a failure, the endpoint is left alone for the cooldown: an outage must not become a flood.
    if (now < this.#failedUntil) return Promise.reject(this.#unavailable((this.#failedUntil - now) / 1000));
    // Each distinct token costs a request: a flood of made-up tokens is bounded here, not at the endpoint:
    // at most maxConcurrent at once and maxPerSecond a second (a token bucket), each past it a 503 alone.
    if (this.#pending.size >= this.#settings.maxConcurrent || !this.#take(now)) return Promise.reject(this.#unavailable(1));
    const request = this.#request(token, key).finally(() => this.#pending.delete(key));
    this.#pending.set(key, request);
    return request;
  }

  async #request(token: string, key: string): Promise<IntrospectionCacheEntry> {
    const settings = this.#settings;
    const options = this.#options;
    let url: string | undefined;
    try {
      url = await this.#endpoint();
      // RFC 7523 section 3: the assertion names the authorization server: its issuer identifier when there
      // is one issuer (what current guidance asks for), else the endpoint it is sent to.
      const audience = options.issuers.length === 1 ? options.issuers[0]! : url;
      const auth = await (settings.credentials as ClientCredentials).authenticate(audience);
      const form: Record<string, string> = { token, ...(settings.tokenTypeHint ? { token_type_hint: settings.tokenTypeHint } : {}), ...auth.form };
      const headers = { accept: settings.jwtResponse ? JWT_RESPONSE_TYPE : 'application/json', ...auth.headers };
      const response = await postForm(url, form, headers, { fetch: options.fetch, timeoutSeconds: settings.timeout, maxBytes: settings.maxResponseBytes });
      const endpointUrl = url;
      const entry = await readIntrospectionResponse(response, {
        url,
        jwtResponse: settings.jwtResponse,
        verifyJwt: (jwt) =>
          verifyIntrospectionJwt(jwt, {
            url: endpointUrl,
            algorithms: options.algorithms,
            keysOf: this.#keysOf,
            clientId: settings.clientId,
            clockTolerance: options.clockTolerance,
            maxRsaModulusBits: options.jwks.maxRsaModulusBits,
            now: options.now,
          }),
      });
      this.#cache?.set(key, entry);
      return entry;
    } catch (caught) {
      // A refusal of tollgate's own (the issuer's keys unavailable for a signed answer) stands as it is.
      if (caught instanceof TollgateError) throw caught;
      // Anything else (a fetch or store that throws something unexpected) is the endpoint's failure: a 503, never a 500.
      const error = caught instanceof IntrospectionFailure ? caught : new IntrospectionFailure(`introspection at ${url ?? 'the endpoint'} failed unexpectedly`, 'endpoint');
      if (!error.perRequest) this.#failedUntil = options.now() + settings.cooldown * 1000;
      this.#publish(error.problem, error.message, url);
      throw error;
    }
  }

  /** The access token an entry stands for, after the same claim checks as a JWT's. */
  #accept(token: string, entry: IntrospectionCacheEntry): AccessToken {
    const realm = this.#options.realm;
    const fail = (reason: TollgateErrorReason, description: string) => new InvalidTokenError(description, { reason, realm });
    if (!entry.active) throw fail('inactive', 'token is not active');
    // `active` said what it had to; the rest are the token's claims, as a JWT would carry them.
    const { active: _active, ...claims } = entry.claims;
    checkClaims(claims, this.#options.now(), this.#rules);
    // RFC 9449 section 7.1 / RFC 8705 section 3: a key-bound token (cnf) needs proof of that key, which a
    // bearer request does not carry; accepting it would strip the binding.
    if (claims.cnf !== undefined) throw fail('sender_constrained', 'sender-constrained token used as a bearer token');
    // RFC 7662 section 2.2: token_type says how the token is used; a DPoP token is not a bearer token.
    if (claims.token_type !== undefined && (typeof claims.token_type !== 'string' || claims.token_type.toLowerCase() !== 'bearer')) {
      throw fail('token_type', 'token type not accepted');
    }
    // A refresh or ID token is not an access token, even where its audience matches. RFC 7662 has no member
    // for this, but servers say it their own way: Ory Hydra's `token_use`, Keycloak's `typ`.
    if (claims.token_use !== undefined && claims.token_use !== 'access_token') throw fail('token_type', 'token type not accepted');
    if (claims.typ !== undefined && (typeof claims.typ !== 'string' || claims.typ.toLowerCase() !== 'bearer')) throw fail('token_type', 'token type not accepted');
    return toAccessToken(token, NO_HEADER, claims as JwtAccessTokenClaims, realm, 'introspection');
  }

  /** Takes one request from the per-second budget; `false` when it is spent. A clock stepped back refills nothing. */
  #take(now: number): boolean {
    const perSecond = this.#settings.maxPerSecond;
    this.#budget = Math.min(perSecond, this.#budget + (Math.max(0, now - this.#filledAt) * perSecond) / 1000);
    this.#filledAt = now;
    if (this.#budget < 1) return false;
    this.#budget -= 1;
    return true;
  }

  #unavailable(retryAfter: number, cause?: unknown): IntrospectionUnavailableError {
    return new IntrospectionUnavailableError({ retryAfter: Math.max(1, retryAfter), realm: this.#options.realm, cause });
  }

  #publish(problem: IntrospectionFailure['problem'] | 'cache', error: string, url?: string): void {
    publishIntrospection({ outcome: 'failed', source: url ?? this.#settings.endpoint ?? this.#options.issuers[0]!, problem, error });
  }
}

/** A store's error as text for an event: its message only, capped (a store may throw anything). */
function describe(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.slice(0, 300);
}
