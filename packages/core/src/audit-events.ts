// Audit events: every decision and every JWKS fetch, published on node:diagnostics_channel.
import type { ClaimRuleRef } from './claim-rules.js';
import type { MissingTokenReason, TollgateErrorCode, TollgateErrorReason } from './errors.js';
import type { ScopeMode } from './has-scopes.js';

/**
 * Name of the channel that receives a {@link DecisionEvent} for every decision: each token verified
 * or refused (`stage: 'authentication'`) and each scope check (`stage: 'authorization'`).
 * @example
 * import { subscribe } from 'node:diagnostics_channel';
 * subscribe(DECISION_CHANNEL, (event) => logger.info(event as DecisionEvent));
 */
export const DECISION_CHANNEL = 'tollgate:decision';

/** Name of the channel that receives a {@link JwksEvent} after every JWKS fetch, good or failed. */
export const JWKS_CHANNEL = 'tollgate:jwks';

/**
 * Name of the channel that receives an {@link IntrospectionEvent} when token introspection fails: the
 * endpoint refused the API's credentials, failed or answered something unusable, or the cache store failed.
 * @example
 * subscribe(INTROSPECTION_CHANNEL, (event) => logger.warn(event as IntrospectionEvent));
 */
export const INTROSPECTION_CHANNEL = 'tollgate:introspection';

/** Who the verified token speaks for. Never the token itself, its signature or the full claims. */
export interface DecisionSubject {
  /** `client_id` (or `azp`) of the token. */
  clientId: string | undefined;
  /** `sub` of the token. */
  subject: string | undefined;
  /** `iss` of the token. */
  issuer: string;
  /** Scopes the token grants. */
  scopes: readonly string[];
  /** `jti`, when the token has one: correlates events with the issuer's logs. */
  tokenId: string | undefined;
}

/** A token was verified; with `stage: 'authorization'`, it also granted the required scopes. */
export interface AcceptedDecision extends DecisionSubject {
  /** Tells the {@link DecisionEvent} kinds apart. */
  outcome: 'accepted';
  /** `authentication`: the token was verified; `authorization`: a scope check passed. */
  stage: 'authentication' | 'authorization';
  /** Authentication only: when the token expires. */
  expiresAt?: Date;
  /** Authorization only: the scopes the route required, and how. */
  requiredScopes?: readonly string[];
  /** Authorization only: whether all of `requiredScopes` were required, or any one. */
  mode?: ScopeMode;
  /** A route's claim rules only: each rule it checked (claim and kind, or validator name; never a value). */
  claimRules?: readonly ClaimRuleRef[];
  /** A route's step-up requirement only (RFC 9470 section 3): the `acr` values and `max_age` (seconds) it asked for. */
  stepUp?: StepUpDemand;
}

/** Optional authentication found no token and let the request through. */
export interface AnonymousDecision {
  /** Tells the {@link DecisionEvent} kinds apart. */
  outcome: 'anonymous';
  /** Always `authentication`: only an optional authentication lets a request through without a token. */
  stage: 'authentication';
  /**
   * `missing_token`: no credentials at all; `unsupported_scheme`: credentials of another scheme (e.g. a
   * proxy adding `Basic` credentials), which RFC 6750 section 3.1 treats as none.
   */
  reason: MissingTokenReason;
}

/** A request or token was refused: the same status, code and reason the client's response carries. */
export interface RejectedDecision extends Partial<DecisionSubject> {
  /** Tells the {@link DecisionEvent} kinds apart. */
  outcome: 'rejected';
  /** `authentication`: the request or its token was refused; `authorization`: the token lacks a required scope. */
  stage: 'authentication' | 'authorization';
  /** The HTTP status of the response: 400, 401, 403 or 503. */
  status: number;
  /** `undefined` when the request carried no credentials at all. */
  code: TollgateErrorCode | undefined;
  /** Why, finer than `code` (see {@link TollgateErrorReason}). */
  reason: TollgateErrorReason;
  /** The `error_description` sent to the client (never holds the token). */
  description: string;
  // Authorization only: who was refused (the DecisionSubject members), and what the route required.
  /** Authorization only: the scopes the route required. */
  requiredScopes?: readonly string[];
  /** Authorization only: whether all of `requiredScopes` were required, or any one. */
  mode?: ScopeMode;
  /** `claim_rule` and `claim_check_failed` only: the rule that decided (claim and kind, or validator name and how it failed); never a value. */
  rule?: ClaimRuleRef;
  /** A route's claim rules only: every rule of the requirement. */
  claimRules?: readonly ClaimRuleRef[];
  /** A route's step-up requirement only (RFC 9470 section 3): the `acr` values and `max_age` (seconds) it asked for. */
  stepUp?: StepUpDemand;
}

/**
 * What a route's step-up requirement asked for, as an audit event names it (never the token's `acr` or `auth_time`).
 * @example subscribe(DECISION_CHANNEL, (e) => { if (e.stepUp) console.log(e.outcome, e.stepUp.acrValues); });
 * @see RFC 9470 section 3
 */
export interface StepUpDemand {
  /** Acceptable `acr` values; empty when the route asks only for `maxAge`. */
  readonly acrValues: readonly string[];
  /** The longest time since the user authenticated, in seconds; `undefined` when not asked. */
  readonly maxAge: number | undefined;
}

/** One decision, as published on {@link DECISION_CHANNEL}. */
export type DecisionEvent = AcceptedDecision | AnonymousDecision | RejectedDecision;

/**
 * Why keys could not be had. `configuration`: a setting is wrong and waiting will not help (the issuer's
 * metadata names another issuer, has no usable `jwks_uri`, or does not exist); the error says what to
 * set. `endpoint`: the endpoint failed (down, slow, an error status, a document that is not a JWKS).
 */
export type JwksProblem = 'configuration' | 'endpoint';

/** One JWKS fetch, as published on {@link JWKS_CHANNEL}. */
export type JwksEvent =
  | {
      /** The key set was fetched and parsed. */
      outcome: 'fetched';
      /** The issuer whose keys these are, or the configured `jwksUri`. */
      source: string;
      /** Usable keys in the set, and their `kid`s. */
      keys: number;
      /** Each `kid` found among the usable keys. */
      kids: readonly string[];
      /** Whether the key set differs from the previous one (a rotation). */
      changed: boolean;
      /**
       * Present when the issuer's metadata could not be re-read, so the `jwks_uri` read from it before was
       * used: what is wrong (a `configuration` problem will fail the next start of the process).
       */
      metadataProblem?: { problem: JwksProblem; error: string };
    }
  | {
      /** The fetch (or the discovery before it) failed; the keys in hand, if any, stay as they were. */
      outcome: 'failed';
      /** The issuer whose keys these are, or the configured `jwksUri`. */
      source: string;
      /** A configuration problem to fix, or an endpoint failing (see {@link JwksProblem}). */
      problem: JwksProblem;
      /** A safe description of the failure, e.g. `GET https://… timed out after 5000 ms`; for a configuration problem, what to fix. */
      error: string;
      /** Whether stale keys are still served meanwhile. */
      staleKeys: boolean;
    };

/**
 * What went wrong with token introspection. `client_credentials`: the endpoint refused the API's own
 * credentials (fix `introspection.clientId` and its secret or key); `configuration`: a setting is wrong
 * (e.g. no `introspection_endpoint` in the metadata); `endpoint`: the endpoint is down, slow or failing;
 * `response`: its answer is unusable (not JSON, too large, a signature that does not verify); `cache`:
 * the cache store failed (results are then not cached, never accepted).
 */
export type IntrospectionProblem = 'client_credentials' | 'configuration' | 'endpoint' | 'response' | 'cache';

/** One introspection failure, as published on {@link INTROSPECTION_CHANNEL}. Never holds a token, a secret or a response body. */
export interface IntrospectionEvent {
  /** Always `failed`. */
  outcome: 'failed';
  /** The endpoint, or the issuer whose endpoint could not be discovered. */
  source: string;
  /** Which kind of failure (see {@link IntrospectionProblem}). */
  problem: IntrospectionProblem;
  /** A safe description, e.g. `POST https://… refused the API's client credentials (401 invalid_client)`. */
  error: string;
}
