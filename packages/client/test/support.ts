// Shared pieces of the client tests: a test issuer with clients, a clock moved by hand, a recorder of client events.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { createSigningKey, createTestIssuer, type TestIssuer, type TestSigningKey } from '@tollgate/testing';
import { CLIENT_CHANNEL, createTokenClient, type TokenClientEvent, type TokenClientOptions } from '../src/index.js';

/** A clock the test moves by hand, starting at the real time. */
export function manualClock(start = Date.now()) {
  let now = start;
  return { now: () => now, advance: (seconds: number) => (now += seconds * 1000) };
}

export interface Fixture {
  issuer: TestIssuer;
  serviceKey: TestSigningKey;
  nextKey: TestSigningKey;
}

/** Starts a test issuer with the clients the tests use. */
export async function startIssuer(): Promise<Fixture> {
  const serviceKey = await createSigningKey('ES256');
  const nextKey = await createSigningKey('ES256');
  const issuer = await createTestIssuer({
    algorithms: ['ES256'],
    clients: [
      { clientId: 'admin app', clientSecret: 'p@ss:w rd+%', scopes: ['orders:read', 'orders:write'] },
      { clientId: 'reader', clientSecret: 'reader-secret', authMethod: 'client_secret_post', scopes: ['orders:read'] },
      { clientId: 'service', jwks: { keys: [serviceKey.publicJwk] }, scopes: ['orders:read'] },
      { clientId: 'short', clientSecret: 'short-secret', scopes: ['orders:read'], tokenLifetime: 60 },
      { clientId: 'batch', clientSecret: 'batch-secret', scopes: ['orders:read'], grantTypes: ['authorization_code'] },
    ],
  });
  return { issuer, serviceKey, nextKey };
}

/** A client of the 'admin app' against `issuer`, with a quick retry schedule. */
export function adminClient(issuer: TestIssuer, extra: Partial<TokenClientOptions> = {}) {
  return createTokenClient({
    tokenEndpoint: issuer.tokenEndpoint,
    clientId: 'admin app',
    auth: { secret: 'p@ss:w rd+%' },
    allowInsecureRequests: true,
    backoff: { initial: '10ms', max: '50ms' },
    ...extra,
  });
}

/** Records the events of {@link CLIENT_CHANNEL} until `stop()`. */
export function recordEvents() {
  const events: TokenClientEvent[] = [];
  const listener = (event: unknown) => events.push(event as TokenClientEvent);
  subscribe(CLIENT_CHANNEL, listener);
  return { events, stop: () => unsubscribe(CLIENT_CHANNEL, listener) };
}

/** Lets pending promise callbacks and I/O run. */
export const settle = (ms = 20) => new Promise((resolve) => setTimeout(resolve, ms));
