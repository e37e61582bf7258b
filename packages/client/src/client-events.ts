// Events of the token client on node:diagnostics_channel: tokens fetched and renewed, failures, the breaker, secret fallbacks.
import { channel } from 'node:diagnostics_channel';

/**
 * Name of the channel that receives a {@link TokenClientEvent} for each token fetched or renewed, each
 * failed token request, each change of the circuit breaker and each fallback to an older secret or key.
 * @example
 * import { subscribe } from 'node:diagnostics_channel';
 * subscribe(CLIENT_CHANNEL, (event) => logger.info(event as TokenClientEvent));
 */
export const CLIENT_CHANNEL = 'tollgate:client';

/**
 * What happened, and to which client. Never a token, a secret, a key or an assertion.
 * - `fetched`: a token was obtained where none was usable; `renewed`: one replaced a still usable token.
 * - `failed`: a token request failed (`background` when a usable token was served meanwhile).
 * - `breaker-open`: the circuit breaker stopped sending requests; `breaker-closed`: a request worked again.
 * - `secret-fallback`: the preferred credential was refused with `invalid_client` and another one worked;
 *   `credential` is its position in `auth.secrets` or `auth.keys` (0 is the first, the newest).
 */
export type TokenClientEvent =
  | {
      /** `fetched`: no usable token was cached; `renewed`: a usable one was replaced. */
      type: 'fetched' | 'renewed';
      /** The client's `client_id`. */
      clientId: string;
      /** The scopes asked for, space-delimited ('' for none). */
      scope: string;
      /** The resource indicators asked for. */
      resource: readonly string[];
      /** The lifetime the server gave, in seconds (or the assumed one). */
      expiresIn: number;
      /** Whether `expires_in` was absent and {@link TokenClientOptions.defaultExpiresIn} assumed. */
      assumedLifetime: boolean;
      /** HTTP requests sent to get it (retries and credential fallbacks included). */
      attempts: number;
    }
  | {
      /** A token request failed. */
      type: 'failed';
      /** The client's `client_id`. */
      clientId: string;
      /** The scopes asked for, space-delimited ('' for none). */
      scope: string;
      /** The resource indicators asked for. */
      resource: readonly string[];
      /** The failure's `error` code (RFC 6749 section 5.2, or this side's). */
      error: string;
      /** The failure's kind. */
      failure: string;
      /** HTTP status; 0 for none. */
      status: number;
      /** A usable cached token kept being served while this request failed. */
      background: boolean;
    }
  | {
      /** The circuit breaker opened. */
      type: 'breaker-open';
      /** The client's `client_id`. */
      clientId: string;
      /** Consecutive failed requests that opened it. */
      failures: number;
      /** Seconds until one trial request is let through. */
      cooldown: number;
    }
  | {
      /** The circuit breaker closed: a request worked again. */
      type: 'breaker-closed';
      /** The client's `client_id`. */
      clientId: string;
      /** How long it was open, in milliseconds. */
      openForMs: number;
    }
  | {
      /** Another credential than the preferred one worked. */
      type: 'secret-fallback';
      /** The client's `client_id`. */
      clientId: string;
      /** `secret` (client_secret_basic / client_secret_post) or `key` (private_key_jwt). */
      credentialKind: 'secret' | 'key' | 'certificate';
      /** Position of the credential that was refused. */
      refused: number;
      /** Position of the credential that worked, used first from now on. */
      credential: number;
      /** For keys: the `kid` of the key that worked. */
      kid?: string;
    };

const clientChannel = channel(CLIENT_CHANNEL);

/** Publishes `event` when anyone listens (the event is only built then). */
export function publishClientEvent(build: () => TokenClientEvent): void {
  if (clientChannel.hasSubscribers) clientChannel.publish(build());
}
