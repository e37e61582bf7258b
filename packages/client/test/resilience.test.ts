// Timeouts, retries with backoff and Retry-After, RFC 6749 refusals (never retried), the circuit breaker, secret and key rotation.
import { decodeJwt } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTokenClient, TokenRequestError } from '../src/index.js';
import { adminClient, manualClock, recordEvents, startIssuer, type Fixture } from './support.js';

let fx: Fixture;
beforeAll(async () => {
  fx = await startIssuer();
});
afterEach(() => {
  fx.issuer.setFault(null);
  fx.issuer.resetRequests();
});
afterAll(async () => {
  await fx?.issuer.close();
});

const failure = (promise: Promise<unknown>) => promise.then(() => expect.unreachable('expected a failure'), (error: unknown) => error as TokenRequestError);

describe('timeouts and retries', () => {
  it('a slow token endpoint: the request times out and the retry gets the token', async () => {
    fx.issuer.setFault({ kind: 'slow', delayMs: 2000 }, 'token', 1);
    const client = adminClient(fx.issuer, { timeout: '300ms' });
    expect(decodeJwt(await client.getToken())).toMatchObject({ client_id: 'admin app' });
    expect(fx.issuer.requests.token).toBe(2);
  });

  it('a slow token endpoint without retries: a timeout error that says so', async () => {
    fx.issuer.setFault({ kind: 'slow', delayMs: 2000 }, 'token');
    const started = Date.now();
    const error = await failure(adminClient(fx.issuer, { timeout: '200ms', retries: 0 }).getToken());
    expect(Date.now() - started).toBeLessThan(1500);
    expect(error).toBeInstanceOf(TokenRequestError);
    expect(error).toMatchObject({ failure: 'unavailable', error: 'request_failed', status: 0 });
    expect(error.message).toMatch(/timeout/);
  });

  it('500s are retried with backoff; after the retries the error carries the status', async () => {
    fx.issuer.setFault({ kind: 'error', status: 500 }, 'token', 2);
    expect(await adminClient(fx.issuer).getToken()).toMatch(/^ey/);
    expect(fx.issuer.requests.token).toBe(3);
    fx.issuer.resetRequests();
    fx.issuer.setFault({ kind: 'error', status: 503 }, 'token');
    const error = await failure(adminClient(fx.issuer, { retries: 3 }).getToken());
    expect(error).toMatchObject({ failure: 'unavailable', status: 503, error: 'server_error' });
    expect(fx.issuer.requests.token).toBe(4);
  });

  it('a network error (connection reset) is retried', async () => {
    fx.issuer.setFault({ kind: 'down' }, 'token', 1);
    expect(await adminClient(fx.issuer).getToken()).toMatch(/^ey/);
    expect(fx.issuer.requests.token).toBe(2);
  });

  it('429 with Retry-After: waits as long as asked, then retries', async () => {
    fx.issuer.setFault({ kind: 'error', status: 429, retryAfter: '1' }, 'token', 1);
    const started = Date.now();
    expect(await adminClient(fx.issuer).getToken()).toMatch(/^ey/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(fx.issuer.requests.token).toBe(2);
  });

  it('429 asking for longer than maxRetryAfter: fails at once, saying when to come back', async () => {
    fx.issuer.setFault({ kind: 'error', status: 429, retryAfter: '120' }, 'token');
    const error = await failure(adminClient(fx.issuer).getToken());
    expect(error).toMatchObject({ failure: 'unavailable', status: 429, retryAfter: 120 });
    expect(fx.issuer.requests.token).toBe(1);
  });
});

describe('RFC 6749 section 5.2 refusals: typed, explained, never retried', () => {
  it.each([
    ['invalid_client', { auth: { secret: 'wrong secret value' } }, 401, /check clientId and the secret/],
    ['invalid_scope', { scopes: ['orders:delete'] }, 400, /ask only for scopes registered/],
  ] as const)('%s', async (code, extra, status, advice) => {
    const error = await failure(adminClient(fx.issuer, extra).getToken());
    expect(error).toBeInstanceOf(TokenRequestError);
    expect(error).toMatchObject({ failure: 'rejected', error: code, status });
    expect(error.description).toBeTruthy();
    expect(error.message).toMatch(advice);
    expect(error.message).not.toContain('wrong secret value');
    expect(fx.issuer.requests.token).toBe(1);
  });

  it('unauthorized_client', async () => {
    const client = createTokenClient({ tokenEndpoint: fx.issuer.tokenEndpoint, clientId: 'batch', auth: { secret: 'batch-secret' }, allowInsecureRequests: true });
    expect(await failure(client.getToken())).toMatchObject({ failure: 'rejected', error: 'unauthorized_client' });
    expect(fx.issuer.requests.token).toBe(1);
  });
});

describe('the circuit breaker', () => {
  it('opens after N consecutive failures (no request while open), lets one trial through after the cooldown, closes on success', async () => {
    const clock = manualClock();
    const recorder = recordEvents();
    try {
      fx.issuer.setFault({ kind: 'error', status: 500 }, 'token');
      const client = adminClient(fx.issuer, { now: clock.now, retries: 0, breaker: { failures: 3, cooldown: '30s' } });
      for (let i = 0; i < 3; i++) await failure(client.getToken());
      expect(recorder.events.filter((event) => event.type === 'breaker-open')).toEqual([{ type: 'breaker-open', clientId: 'admin app', failures: 3, cooldown: 30 }]);
      const fast = await failure(client.getToken());
      expect(fast).toMatchObject({ failure: 'circuit_open', error: 'circuit_open' });
      expect(fast.retryAfter).toBeCloseTo(30, 0);
      expect(fx.issuer.requests.token).toBe(3);
      // Half-open: one trial; it fails, so the breaker opens again.
      clock.advance(31);
      await failure(client.getToken());
      expect(fx.issuer.requests.token).toBe(4);
      expect(await failure(client.getToken())).toMatchObject({ failure: 'circuit_open' });
      expect(fx.issuer.requests.token).toBe(4);
      // The server is back: the next trial succeeds and closes the breaker.
      fx.issuer.setFault(null);
      clock.advance(31);
      expect(await client.getToken()).toMatch(/^ey/);
      expect(recorder.events.at(-2)).toMatchObject({ type: 'breaker-closed', clientId: 'admin app' });
      expect(recorder.events.at(-1)).toMatchObject({ type: 'fetched' });
    } finally {
      recorder.stop();
    }
  });

  it('retries stop as soon as the breaker opens', async () => {
    fx.issuer.setFault({ kind: 'error', status: 502 }, 'token');
    const client = adminClient(fx.issuer, { retries: 5, breaker: { failures: 2, cooldown: '1m' } });
    expect(await failure(client.getToken())).toMatchObject({ failure: 'circuit_open' });
    expect(fx.issuer.requests.token).toBe(2);
  });

  it('RFC 6749 refusals do not open it (the server is up)', async () => {
    const client = adminClient(fx.issuer, { auth: { secret: 'wrong' }, retries: 0, breaker: { failures: 2, cooldown: '1m' } });
    for (let i = 0; i < 4; i++) expect(await failure(client.getToken())).toMatchObject({ error: 'invalid_client' });
    expect(fx.issuer.requests.token).toBe(4);
  });
});

describe('rotation', () => {
  it('secrets [new, old]: the new one is tried first; on invalid_client the old one, which is remembered; an event says which worked', async () => {
    const recorder = recordEvents();
    try {
      const client = adminClient(fx.issuer, { auth: { method: 'client_secret_basic', secrets: ['the-new-secret-not-yet-registered', 'p@ss:w rd+%'] } });
      expect(decodeJwt(await client.getToken())).toMatchObject({ client_id: 'admin app' });
      expect(fx.issuer.requests.token).toBe(2);
      expect(recorder.events).toContainEqual({ type: 'secret-fallback', clientId: 'admin app', credentialKind: 'secret', refused: 0, credential: 1 });
      expect(JSON.stringify(recorder.events)).not.toContain('secret-not-yet');
      client.clear();
      await client.getToken();
      expect(fx.issuer.requests.token).toBe(3);
    } finally {
      recorder.stop();
    }
  });

  it('client_secret_post with two secrets, the server knowing only the second', async () => {
    const client = createTokenClient({
      tokenEndpoint: fx.issuer.tokenEndpoint,
      clientId: 'reader',
      auth: { method: 'client_secret_post', secrets: ['new-reader-secret', 'reader-secret'] },
      allowInsecureRequests: true,
    });
    expect(decodeJwt(await client.getToken())).toMatchObject({ client_id: 'reader' });
  });

  it('private_key_jwt keys [new, old]: the first signs; the old one after invalid_client, with its kid in the event', async () => {
    const recorder = recordEvents();
    try {
      const client = createTokenClient({
        tokenEndpoint: fx.issuer.tokenEndpoint,
        clientId: 'service',
        auth: {
          method: 'private_key_jwt',
          keys: [
            { key: fx.nextKey.privateKey, kid: fx.nextKey.kid, alg: 'ES256' },
            { key: fx.serviceKey.privateKey, kid: fx.serviceKey.kid, alg: 'ES256' },
          ],
        },
        allowInsecureRequests: true,
      });
      expect(decodeJwt(await client.getToken())).toMatchObject({ client_id: 'service' });
      expect(recorder.events).toContainEqual({ type: 'secret-fallback', clientId: 'service', credentialKind: 'key', refused: 0, credential: 1, kid: fx.serviceKey.kid });
    } finally {
      recorder.stop();
    }
  });

  it('every secret refused: invalid_client, one request per secret', async () => {
    const error = await failure(adminClient(fx.issuer, { auth: { secrets: ['one', 'two'] } }).getToken());
    expect(error).toMatchObject({ error: 'invalid_client' });
    expect(fx.issuer.requests.token).toBe(2);
  });
});
