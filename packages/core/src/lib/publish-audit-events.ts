// Publishing audit events: built only when someone subscribes, so an unobserved decision costs one check.
import { channel } from 'node:diagnostics_channel';
import type { AccessToken } from '../access-token.js';
import type { ClaimRuleRef } from '../claim-rules.js';
import { DECISION_CHANNEL, INTROSPECTION_CHANNEL, JWKS_CHANNEL, type AcceptedDecision, type DecisionEvent, type DecisionSubject, type IntrospectionEvent, type JwksEvent, type RejectedDecision, type StepUpDemand } from '../audit-events.js';
import { TollgateError, type MissingTokenReason } from '../errors.js';
import type { ScopeMode } from '../has-scopes.js';

const decisions = channel(DECISION_CHANNEL);
const jwksFetches = channel(JWKS_CHANNEL);
const introspections = channel(INTROSPECTION_CHANNEL);

function subjectOf(token: AccessToken): DecisionSubject {
  const jti = token.claims.jti;
  return { clientId: token.clientId, subject: token.subject, issuer: token.issuer, scopes: token.scopes, tokenId: typeof jti === 'string' ? jti : undefined };
}

function rejection(stage: RejectedDecision['stage'], error: unknown): RejectedDecision | undefined {
  // Anything else is a bug or a configuration error, not a decision about the request.
  if (!(error instanceof TollgateError)) return undefined;
  const event: RejectedDecision = { outcome: 'rejected', stage, status: error.status, code: error.code, reason: error.reason, description: error.description };
  // The rule's claim and kind, or the validator's name: never a value.
  if (error.rule !== undefined) event.rule = error.rule;
  return event;
}

/**
 * Publishes the outcome of authenticating one request or token. Cheap when nobody listens.
 * `anonymous` says why an optional authentication found no token.
 */
export function publishAuthentication(token: AccessToken | undefined, error?: unknown, anonymous: MissingTokenReason = 'missing_token'): void {
  if (!decisions.hasSubscribers) return;
  const event: DecisionEvent | undefined =
    error !== undefined
      ? rejection('authentication', error)
      : token
        ? { outcome: 'accepted', stage: 'authentication', ...subjectOf(token), expiresAt: token.expiresAt }
        : { outcome: 'anonymous', stage: 'authentication', reason: anonymous };
  if (event) decisions.publish(event);
}

/** What an authorization decision was about: a scope check, a route's claim rules, or a step-up requirement. */
type Requirement = Pick<AcceptedDecision, 'requiredScopes' | 'mode' | 'claimRules' | 'stepUp'>;

/** Publishes one authorization decision: accepted with the token's subject, or the refusal, each naming `requirement`. */
function publishRequirement(token: AccessToken | undefined, requirement: Requirement, error: unknown): void {
  if (error === undefined) {
    if (token) decisions.publish({ outcome: 'accepted', stage: 'authorization', ...subjectOf(token), ...requirement } satisfies AcceptedDecision);
    return;
  }
  const event = rejection('authorization', error);
  if (event) decisions.publish({ ...event, ...(token ? subjectOf(token) : {}), ...requirement } satisfies RejectedDecision);
}

/** Publishes the outcome of a scope check. */
export function publishAuthorization(token: AccessToken | undefined, requiredScopes: readonly string[], mode: ScopeMode, error?: unknown): void {
  // Checked before the requirement object is built: with no subscriber a decision costs nothing.
  if (decisions.hasSubscribers) publishRequirement(token, { requiredScopes, mode }, error);
}

/** Publishes the outcome of a route's claim rules (`claimRules`: every rule of the requirement, by claim and kind). */
export function publishClaimAuthorization(token: AccessToken | undefined, claimRules: readonly ClaimRuleRef[], error?: unknown): void {
  if (decisions.hasSubscribers) publishRequirement(token, { claimRules }, error);
}

/** Publishes the outcome of a route's step-up requirement (RFC 9470): what it asked for, never the token's acr or auth_time. */
export function publishStepUp(token: AccessToken | undefined, stepUp: StepUpDemand, error?: unknown): void {
  if (decisions.hasSubscribers) publishRequirement(token, { stepUp }, error);
}

/** Publishes one JWKS fetch. */
export function publishJwks(event: JwksEvent): void {
  if (jwksFetches.hasSubscribers) jwksFetches.publish(event);
}

/** Publishes one introspection failure. */
export function publishIntrospection(event: IntrospectionEvent): void {
  if (introspections.hasSubscribers) introspections.publish(event);
}
