// Records what tollgate publishes on its audit channels, so the hostile suites can check that no event
// quotes a token and explain a 503 by the JWKS fetch error behind it.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { DECISION_CHANNEL, JWKS_CHANNEL, type JwksEvent } from '@tollgate/core';

/** The events seen since the last `clear()`, as JSON text, and every failed JWKS fetch. */
export interface AuditLog {
  /** Decision and JWKS events since the last `clear()`, serialized. */
  readonly events: readonly string[];
  /** Error messages of failed JWKS fetches, since the log started. */
  readonly jwksFailures: readonly string[];
  clear(): void;
  stop(): void;
}

/**
 * Subscribes to `tollgate:decision` and `tollgate:jwks` until `stop()`.
 * @example
 * const audit = startAuditLog();
 * await verifier.authenticate(request).catch(() => {});
 * expect(audit.events.join('\n')).not.toContain(token);
 */
export function startAuditLog(): AuditLog {
  const events: string[] = [];
  const jwksFailures: string[] = [];
  const onDecision = (message: unknown) => {
    events.push(JSON.stringify(message));
  };
  const onJwks = (message: unknown) => {
    events.push(JSON.stringify(message));
    const event = message as JwksEvent;
    if (event.outcome === 'failed') jwksFailures.push(event.error);
  };
  subscribe(DECISION_CHANNEL, onDecision);
  subscribe(JWKS_CHANNEL, onJwks);
  return {
    events,
    jwksFailures,
    clear: () => {
      events.length = 0;
    },
    stop: () => {
      unsubscribe(DECISION_CHANNEL, onDecision);
      unsubscribe(JWKS_CHANNEL, onJwks);
    },
  };
}
