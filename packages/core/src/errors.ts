// RFC 6750 errors: one class per error code, each able to render its own WWW-Authenticate challenge.
import type { ClaimRuleRef } from './claim-rules.js';
import { renderChallenge, renderChallenges } from './lib/challenge.js';

/**
 * The RFC 6750 section 3.1 error codes, `temporarily_unavailable` for a dependency outage, and the DPoP
 * codes of RFC 9449 section 12.2 (`invalid_dpop_proof`, `use_dpop_nonce`).
 */
export type TollgateErrorCode =
  | 'invalid_request'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'temporarily_unavailable'
  | 'invalid_dpop_proof'
  | 'use_dpop_nonce'
  | 'insufficient_user_authentication';

/** Why a request was refused, finer than the error code; a closed union to `switch` on. */
export type TollgateErrorReason =
  // no bearer credentials (RFC 6750 section 3.1: no error code in the challenge): none at all, or
  // credentials of another authentication scheme (Basic, DPoP, a bare word)
  | 'missing_token'
  | 'unsupported_scheme'
  // invalid_request
  | 'malformed_header'
  | 'malformed_parameter'
  | 'multiple_headers'
  | 'multiple_methods'
  | 'query_token_not_allowed'
  | 'body_token_not_allowed'
  // invalid_token
  | 'token_too_large'
  | 'malformed_token'
  | 'algorithm'
  | 'unsupported_header'
  | 'token_type'
  | 'unknown_key'
  | 'ambiguous_key'
  | 'signature'
  | 'expired'
  | 'not_yet_valid'
  | 'issued_in_future'
  | 'too_old'
  | 'issuer'
  | 'audience'
  | 'missing_claim'
  | 'invalid_claim'
  | 'sender_constrained'
  // DPoP (RFC 9449): a Bearer request where DPoP is required (invalid_token), a DPoP request whose token is
  // not bound to a key (invalid_token), or whose proof fails a check (invalid_dpop_proof)
  | 'dpop_required'
  | 'dpop_unbound_token'
  | 'dpop_missing_proof'
  | 'dpop_multiple_proofs'
  | 'dpop_malformed_proof'
  | 'dpop_proof_type'
  | 'dpop_algorithm'
  | 'dpop_key'
  | 'dpop_signature'
  | 'dpop_method'
  | 'dpop_url'
  | 'dpop_iat'
  | 'dpop_jti'
  | 'dpop_ath'
  | 'dpop_key_mismatch'
  | 'dpop_replay'
  // use_dpop_nonce: the proof carries no nonce, or one that is not valid (any more)
  | 'dpop_nonce'
  // mTLS (RFC 8705 section 3), invalid_token: a certificate-bound token without the client certificate,
  // with one that cannot be read (a malformed or repeated proxy header), or with another certificate
  | 'mtls_missing_certificate'
  | 'mtls_malformed_certificate'
  | 'mtls_certificate_mismatch'
  // invalid_token (the verifier's `claims`) or insufficient_scope (a route's claim rules): `error.rule` says which
  | 'claim_rule'
  // the introspection endpoint says the token is not active (RFC 7662 section 2.2)
  | 'inactive'
  // insufficient_scope
  | 'insufficient_scope'
  // insufficient_user_authentication (RFC 9470): the acr is missing or not one required, or auth_time is missing, too old or in the future
  | 'insufficient_user_authentication'
  // temporarily_unavailable
  | 'jwks_unavailable'
  // a claim validator threw, returned no boolean or timed out: `error.rule` says which
  | 'claim_check_failed'
  | 'introspection_unavailable'
  // the DPoP replay store threw, rejected, answered no boolean, was full, or took too long
  | 'replay_store_unavailable';

/** Options every tollgate error accepts. */
export interface TollgateErrorOptions {
  /** Why the request is refused: the fine-grained cause (see {@link TollgateErrorReason}). */
  reason: TollgateErrorReason;
  /** The realm rendered in `WWW-Authenticate`. */
  realm?: string | undefined;
  /** The underlying error; never rendered into a response. */
  cause?: unknown;
  /** The claim rule that decided, for `claim_rule` and `claim_check_failed`. */
  rule?: ClaimRuleRef | undefined;
}

/**
 * What a refusal says about DPoP in its challenge (RFC 9449 section 7.1), set by the verifier that refused.
 * Absent: a plain Bearer challenge.
 */
export interface DpopChallenge {
  /** The proof algorithms accepted, sent as `algs`. */
  readonly algs: readonly string[];
  /** `true`: only DPoP is accepted, so no Bearer challenge is sent. */
  readonly required: boolean;
  /** `true`: the refusal concerns a DPoP request (or a DPoP-bound token), so its error goes on the DPoP challenge. */
  readonly onDpop: boolean;
  /** A fresh nonce, sent as the `DPoP-Nonce` header (RFC 9449 section 8 and 9). */
  readonly nonce?: string | undefined;
}

/** Challenge parameters beyond RFC 6750's that a refusal adds (RFC 9470 section 3). */
export interface ExtraChallengeParams {
  /** `acr_values`: the acceptable authentication context classes, space-separated. */
  acrValues?: string | undefined;
  /** `max_age`: the most seconds since the user authenticated. */
  maxAge?: number | undefined;
}

/**
 * Base class of every refusal. `message` is the short, safe `error_description`.
 * @see RFC 6750 section 3
 */
export abstract class TollgateError extends Error {
  /** HTTP status to respond with. */
  abstract readonly status: number;
  /** The RFC 6750 error code; `undefined` when the request carried no credentials at all. */
  abstract readonly code: TollgateErrorCode | undefined;
  /** Why the request was refused, finer than `code` (`expired`, `audience`, `signature`...): a closed union to `switch` on. */
  readonly reason: TollgateErrorReason;
  /** Realm for the challenge; adapters set it from their options. */
  realm: string | undefined;
  /** For `claim_rule` and `claim_check_failed`: the rule that decided (claim and kind, or validator name; never a value). */
  readonly rule: ClaimRuleRef | undefined;
  /** Safe to show to the client (Koa reads this). */
  readonly expose = true;
  /**
   * The DPoP part of the challenge (RFC 9449 section 7.1), set by a verifier that accepts DPoP;
   * `undefined` for a plain Bearer challenge.
   */
  dpop: DpopChallenge | undefined = undefined;
  /**
   * The URL of the resource's Protected Resource Metadata, sent as `resource_metadata` in the challenge
   * (RFC 9728 section 5.1); set by a verifier whose `metadata` is on.
   */
  resourceMetadata: string | undefined = undefined;

  constructor(description: string, options: TollgateErrorOptions) {
    // A refusal is an expected outcome, not a bug: a stack would only leak paths into default error
    // pages, so none is captured (capturing costs more than the rest of a cached refusal).
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      super(description, options.cause === undefined ? undefined : { cause: options.cause });
    } finally {
      Error.stackTraceLimit = stackTraceLimit;
    }
    this.name = new.target.name;
    this.stack = `${this.name}: ${description}`;
    this.reason = options.reason;
    this.realm = options.realm;
    this.rule = options.rule;
  }

  /** The `error_description` sent to the client. */
  get description(): string {
    return this.message;
  }

  /** Alias of `status` for frameworks that read `statusCode` (Fastify, http-errors). */
  get statusCode(): number {
    return this.status;
  }

  /** Required scopes, for `insufficient_scope`. */
  get scope(): string | undefined {
    return undefined;
  }

  /** Further challenge parameters of a subclass (RFC 9470's `acr_values` and `max_age`). */
  protected get challengeParams(): ExtraChallengeParams {
    return {};
  }

  /**
   * Renders the `WWW-Authenticate` challenge for this error.
   * @param realm overrides the error's own realm
   * @example err.wwwAuthenticate('orders') // 'Bearer realm="orders", error="invalid_token", error_description="token expired"'
   * @see RFC 6750 section 3
   */
  wwwAuthenticate(realm: string | undefined = this.realm): string {
    const params = { realm, error: this.code, errorDescription: this.code ? this.message : undefined, scope: this.scope, ...this.challengeParams, resourceMetadata: this.resourceMetadata };
    return this.dpop ? renderChallenges(params, this.dpop) : renderChallenge(params);
  }

  /**
   * Response headers for this error: `WWW-Authenticate`, `Cache-Control: no-store` (an auth failure
   * must not be cached by a proxy), and `Retry-After` on a 503. Frameworks' own error handlers read this.
   */
  get headers(): Record<string, string> {
    const headers: Record<string, string> = { 'WWW-Authenticate': this.wwwAuthenticate(), 'Cache-Control': 'no-store' };
    if (this.dpop?.nonce !== undefined) headers['DPoP-Nonce'] = this.dpop.nonce;
    return headers;
  }

  /** The default JSON body: `{ error, error_description }`. */
  toJSON(): { error?: TollgateErrorCode; error_description: string } {
    return this.code ? { error: this.code, error_description: this.message } : { error_description: this.message };
  }
}

/** Why a request carries no bearer token: none at all, or credentials of another scheme. */
export type MissingTokenReason = 'missing_token' | 'unsupported_scheme';

const MISSING_TOKEN_DESCRIPTIONS: Readonly<Record<MissingTokenReason, string>> = {
  missing_token: 'bearer token required',
  // Names the problem, never the credentials that were sent.
  unsupported_scheme: 'bearer token required; the Authorization header uses another scheme',
};

/**
 * The request carried no bearer token: no credentials at all (`reason: 'missing_token'`), or credentials
 * of another authentication scheme such as `Basic` or `DPoP` (`reason: 'unsupported_scheme'`). Both are a
 * 401 with a bare challenge and no error code; the reason tells them apart in logs and audit events.
 * @example new MissingTokenError({ realm: 'api', reason: 'unsupported_scheme' }).wwwAuthenticate() // 'Bearer realm="api"'
 * @see RFC 6750 section 3.1
 */
export class MissingTokenError extends TollgateError {
  readonly status = 401;
  readonly code = undefined;
  /** `missing_token`: no credentials at all; `unsupported_scheme`: credentials of another scheme. */
  declare readonly reason: MissingTokenReason;
  constructor(options: Partial<Omit<TollgateErrorOptions, 'reason'>> & { reason?: MissingTokenReason } = {}) {
    const reason = options.reason === 'unsupported_scheme' ? 'unsupported_scheme' : 'missing_token';
    super(MISSING_TOKEN_DESCRIPTIONS[reason], { ...options, reason });
  }
}

/** The request is malformed (bad header, several token methods, a method that is not allowed): 400. */
export class InvalidRequestError extends TollgateError {
  readonly status = 400;
  readonly code = 'invalid_request';
}

/** The token is expired, forged, malformed, or not meant for this API: 401. */
export class InvalidTokenError extends TollgateError {
  readonly status = 401;
  readonly code = 'invalid_token';
}

/**
 * The token is valid but lacks a required scope: 403 with `scope="..."`.
 * Not a subclass of {@link InvalidTokenError}, so `instanceof` checks in any order give 403.
 */
export class InsufficientScopeError extends TollgateError {
  readonly status = 403;
  readonly code = 'insufficient_scope';
  /** The scopes the route required (frozen); sent space-separated as `scope` in the challenge. */
  readonly requiredScopes: readonly string[];
  /** `all`: every required scope was needed; `any`: one of them would have done. */
  readonly mode: 'all' | 'any';

  constructor(requiredScopes: readonly string[], options: { mode?: 'all' | 'any'; realm?: string | undefined } = {}) {
    super(
      options.mode === 'any' ? 'token lacks any of the required scopes' : 'token lacks a required scope',
      { reason: 'insufficient_scope', realm: options.realm },
    );
    this.requiredScopes = Object.freeze([...requiredScopes]);
    this.mode = options.mode ?? 'all';
  }

  // offline_access asks for a refresh token, not for access to this resource: never requested in a challenge.
  override get scope(): string {
    return this.requiredScopes.filter((scope) => scope !== 'offline_access').join(' ');
  }
}

/**
 * The token is valid, but the user's authentication behind it is not strong or recent enough for this
 * route (RFC 9470): its `acr` is missing or not one of those required, or its `auth_time` is missing, in
 * the future or older than the route's `maxAge`. 401 `insufficient_user_authentication` with `acr_values`
 * and/or `max_age`, telling the client what to ask the authorization server for.
 * @example new InsufficientUserAuthenticationError({ acrValues: ['phr'], maxAge: 300 }).wwwAuthenticate()
 * @see RFC 9470 section 3
 */
export class InsufficientUserAuthenticationError extends TollgateError {
  readonly status = 401;
  readonly code = 'insufficient_user_authentication';
  /** The acceptable `acr` values, in order of preference; empty when only `maxAge` applies. */
  readonly acrValues: readonly string[];
  /** The most seconds since the user authenticated; `undefined` when only `acrValues` applies. */
  readonly maxAge: number | undefined;

  constructor(requirement: { acrValues?: readonly string[] | undefined; maxAge?: number | undefined }, options: { realm?: string | undefined } = {}) {
    super('a stronger or more recent user authentication is required', { reason: 'insufficient_user_authentication', realm: options.realm });
    this.acrValues = Object.freeze([...(requirement.acrValues ?? [])]);
    this.maxAge = requirement.maxAge;
  }

  protected override get challengeParams(): ExtraChallengeParams {
    return { acrValues: this.acrValues.length ? this.acrValues.join(' ') : undefined, maxAge: this.maxAge };
  }
}

/**
 * The token is valid but a claim rule of the route refused it (`reason: 'claim_rule'`, `rule` names it):
 * 403 `insufficient_scope` without a `scope` attribute, since no scope would help. RFC 6750 section 3.1:
 * the request needs privileges the token does not carry. The response never names the claim's value.
 * Not a subclass of {@link InvalidTokenError}, so `instanceof` checks in any order give 403.
 * @example new InsufficientClaimsError({ rule: { kind: 'equals', claim: 'tenant' } }).status // 403
 * @see RFC 6750 section 3.1
 */
export class InsufficientClaimsError extends TollgateError {
  readonly status = 403;
  readonly code = 'insufficient_scope';
  constructor(options: { rule: ClaimRuleRef; realm?: string | undefined }) {
    super('token claims do not permit this request', { reason: 'claim_rule', ...options });
  }
}

/**
 * Base class of every 503 refusal: a dependency tollgate needs to decide (the issuer's keys, the
 * introspection endpoint, a claim validator, a shared store) is down or too slow. The token is not at
 * fault, so this is never a 401 (which would send every client back to the issuer for a new token), and
 * the request is never let through. Catch this class to handle all of them alike.
 * @example if (error instanceof TemporarilyUnavailableError) metrics.dependencyDown.inc();
 * @see RFC 6750 section 3.1, RFC 9110 section 15.6.4 (503) and section 10.2.3 (Retry-After)
 */
export abstract class TemporarilyUnavailableError extends TollgateError {
  readonly status = 503;
  readonly code = 'temporarily_unavailable';
  /** Seconds the client should wait before it retries (a whole number, at least 1). */
  readonly retryAfter: number;

  protected constructor(description: string, options: TollgateErrorOptions & { retryAfter: number }) {
    super(description, options);
    this.retryAfter = Math.max(1, Math.ceil(options.retryAfter));
  }

  override get headers(): Record<string, string> {
    return { ...super.headers, 'Retry-After': String(this.retryAfter) };
  }
}

/**
 * A claim validator could not decide (it threw, rejected, returned no boolean, or took too long):
 * 503 `temporarily_unavailable` with `Retry-After`. `rule` names the validator and how it failed.
 * @example new ClaimsUnavailableError({ rule: { kind: 'validator', validator: 'notRevoked', failure: 'timeout' } }).status // 503
 * @see RFC 6750 section 3.1, RFC 9110 section 15.6.4
 */
export class ClaimsUnavailableError extends TemporarilyUnavailableError {
  constructor(options: { rule: ClaimRuleRef; realm?: string | undefined; cause?: unknown; retryAfter?: number }) {
    super('token claims could not be checked', { reason: 'claim_check_failed', ...options, retryAfter: options.retryAfter ?? 5 });
  }
}

/**
 * The signing keys could not be fetched, so the token could not be checked: 503 with `Retry-After`
 * (the seconds until the keys will be fetched again).
 * @example new JwksUnavailableError({ retryAfter: 30 }).headers['Retry-After'] // '30'
 * @see RFC 6750 section 3.1
 */
export class JwksUnavailableError extends TemporarilyUnavailableError {
  constructor(options: { retryAfter: number; realm?: string | undefined; cause?: unknown }) {
    super('signing keys are temporarily unavailable', { reason: 'jwks_unavailable', ...options });
  }
}

/**
 * The token could not be introspected (RFC 7662): the endpoint is down, slow, failing, answered something
 * unusable, or refused the API's own client credentials. 503 with `Retry-After` (the seconds until the
 * endpoint will be asked again).
 * @example new IntrospectionUnavailableError({ retryAfter: 5 }).headers['Retry-After'] // '5'
 * @see RFC 7662 section 2.2, RFC 6750 section 3.1
 */
export class IntrospectionUnavailableError extends TemporarilyUnavailableError {
  constructor(options: { retryAfter: number; realm?: string | undefined; cause?: unknown }) {
    super('token introspection is temporarily unavailable', { reason: 'introspection_unavailable', ...options });
  }
}

/**
 * A DPoP proof failed a check of RFC 9449 section 4.3 (missing, malformed, several, wrong `typ` or
 * `alg`, a private or unusable `jwk`, a bad signature, `htm`/`htu`/`iat`/`jti`/`ath` not matching, a key
 * other than the token's `cnf.jkt`, or a replay): 401 `invalid_dpop_proof` on the DPoP challenge.
 * `reason` says which check; the proof itself is never echoed.
 * @example new InvalidDpopProofError('DPoP proof replayed', { reason: 'dpop_replay' }).status // 401
 * @see RFC 9449 sections 4.3, 7.1 and 12.2
 */
export class InvalidDpopProofError extends TollgateError {
  readonly status = 401;
  readonly code = 'invalid_dpop_proof';
}

/**
 * The proof carries no nonce, or one that is not valid (any more), while the API requires nonces:
 * 401 `use_dpop_nonce` with a fresh nonce in the `DPoP-Nonce` header; the client retries with it.
 * @example error.headers['DPoP-Nonce'] // the nonce to put in the next proof
 * @see RFC 9449 section 9
 */
export class UseDpopNonceError extends TollgateError {
  readonly status = 401;
  readonly code = 'use_dpop_nonce';
}

/**
 * The DPoP replay store could not say whether a proof was used before (it threw, rejected, answered
 * something that is no boolean, was full, or took longer than a second): 503 with `Retry-After`. The
 * proof is not accepted, since it might be a replay.
 * @example new ReplayStoreUnavailableError({ retryAfter: 2 }).headers['Retry-After'] // '2'
 * @see RFC 9449 section 11.1, RFC 9110 section 15.6.4
 */
export class ReplayStoreUnavailableError extends TemporarilyUnavailableError {
  constructor(options: { retryAfter: number; realm?: string | undefined; cause?: unknown }) {
    super('DPoP replay protection is temporarily unavailable', { reason: 'replay_store_unavailable', ...options });
  }
}

/**
 * tollgate was set up wrongly (an invalid option, an adapter used before it was configured).
 * Thrown at startup, or for every request when configuration is missing: it never lets a request pass.
 */
export class TollgateConfigError extends Error {
  /** Always 500: a configuration error is the server's fault, never the client's. */
  readonly status = 500;
  /** Always `false`: the message describes the server's configuration, so Koa (and other `expose`-aware handlers) keep it from the client. */
  readonly expose = false;
  constructor(message: string) {
    super(message);
    this.name = 'TollgateConfigError';
  }
}

/**
 * Whether `value` is a tollgate refusal (any RFC 6750 error).
 * @param value - anything caught
 * @example
 * if (isTollgateError(error)) res.status(error.status).set(error.headers).json(error);
 */
export function isTollgateError(value: unknown): value is TollgateError {
  return value instanceof TollgateError;
}
