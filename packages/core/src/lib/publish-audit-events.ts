// Publishing audit events: built only when someone subscribes, so an unobserved decision costs one check.
import { channel } from 'node:diagnostics_channel';
import type { AccessToken } from '../access-token.js';
import { DECISION_CHANNEL, INTROSPECTION_CHANNEL, JWKS_CHANNEL, type AcceptedDecision, type DecisionEvent, type DecisionSubject, type IntrospectionEvent, type JwksEvent, type RejectedDecision } from '../audit-events.js';
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
  return { outcome: 'rejected', stage, status: error.status, code: error.code, reason: error.reason, description: error.description };
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

/** Publishes the outcome of a scope check. */
export function publishAuthorization(token: AccessToken | undefined, requiredScopes: readonly string[], mode: ScopeMode, error?: unknown): void {
  if (!decisions.hasSubscribers) return;
  if (error === undefined) {
    if (token) decisions.publish({ outcome: 'accepted', stage: 'authorization', ...subjectOf(token), requiredScopes, mode } satisfies AcceptedDecision);
    return;
  }
  const event = rejection('authorization', error);
  if (event) decisions.publish({ ...event, ...(token ? subjectOf(token) : {}), requiredScopes, mode } satisfies RejectedDecision);
}

/** Publishes one JWKS fetch. */
export function publishJwks(event: JwksEvent): void {
  if (jwksFetches.hasSubscribers) jwksFetches.publish(event);
}

/** Publishes one introspection failure. */
export function publishIntrospection(event: IntrospectionEvent): void {
  if (introspections.hasSubscribers) introspections.publish(event);
}
