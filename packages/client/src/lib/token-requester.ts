// Sends token requests: discovery, client authentication with credential fallback, retries with backoff, the circuit breaker.
import type { ResolvedClientOptions } from '../client-options.js';
import { publishClientEvent } from '../client-events.js';
import { TokenRequestError } from '../token-request-error.js';
import { backoffDelay, retryAfterMs, sleep } from './backoff.js';
import type { CircuitBreaker } from './circuit-breaker.js';
import { ClientAuthenticator } from './client-auth.js';
import { discoverTokenEndpoint } from './discover-token-endpoint.js';
import type { DpopProofs } from './dpop-proofs.js';
import { exchange, HttpFailure } from './http.js';
import { readTokenAnswer, type GrantedToken, type Outcome } from './token-response.js';

/** A granted token with what the cache needs to time it. */
export interface TokenGrant extends GrantedToken {
  /** The client's clock when the request that got it was sent: the lifetime counts from there. */
  readonly sentAt: number;
  /** HTTP requests it took. */
  readonly attempts: number;
}

/** Sends the token requests of one client. */
export class TokenRequester {
  readonly #options: ResolvedClientOptions;
  readonly #breaker: CircuitBreaker | undefined;
  readonly #dpop: DpopProofs | undefined;
  readonly #auth: ClientAuthenticator;
  #endpoint: string | undefined;
  #discovering: Promise<string> | undefined;

  constructor(options: ResolvedClientOptions, breaker: CircuitBreaker | undefined, dpop: DpopProofs | undefined) {
    this.#options = options;
    this.#breaker = breaker;
    this.#dpop = dpop;
    this.#auth = new ClientAuthenticator(options.clientId, options.auth);
    this.#endpoint = options.tokenEndpoint;
  }

  /** The token endpoint: configured, or discovered once (single flight; a failure is not remembered). */
  endpoint(): Promise<string> {
    if (this.#endpoint !== undefined) return Promise.resolve(this.#endpoint);
    const mutualTls = this.#options.auth.method === 'tls_client_auth' || this.#options.auth.method === 'self_signed_tls_client_auth';
    this.#discovering ??= discoverTokenEndpoint(this.#options.issuer!, { ...this.#options, mutualTls }).then(
      (endpoint) => {
        this.#endpoint = endpoint;
        this.#discovering = undefined;
        return endpoint;
      },
      (error: unknown) => {
        this.#discovering = undefined;
        throw error;
      },
    );
    return this.#discovering;
  }

  /**
   * One token for `scopes` and `resource`. Network errors, timeouts, 5xx and 429 are retried (with
   * backoff, or after `Retry-After`); an RFC 6749 section 5.2 refusal is not, except `invalid_client`
   * with another configured credential to try, and `use_dpop_nonce` with a new nonce (once: RFC 9449 section 8).
   */
  async request(scopes: readonly string[], resource: readonly string[]): Promise<TokenGrant> {
    const options = this.#options;
    const endpoint = await this.endpoint();
    const order = this.#auth.order();
    let credential = 0;
    let retries = 0;
    let attempts = 0;
    let nonceRetried = false;
    let last: TokenRequestError | undefined;
    for (;;) {
      const wait = this.#breaker?.acquire() ?? 0;
      if (wait > 0) {
        throw new TokenRequestError('circuit_open', 'circuit_open', {
          retryAfter: wait / 1000,
          description: last ? `the last request failed: ${last.error}` : 'recent token requests failed',
          cause: last,
        });
      }
      const index = order[credential]!;
      let outcome: Outcome;
      let sentAt: number;
      try {
        const authentication = await this.#auth.authenticate(index, endpoint);
        const form = new URLSearchParams({ grant_type: 'client_credentials' });
        if (scopes.length > 0) form.set('scope', scopes.join(' '));
        // RFC 8707 section 2: one resource parameter per indicator.
        for (const indicator of resource) form.append('resource', indicator);
        for (const [name, value] of Object.entries(authentication.form)) form.set(name, value);
        const headers: Record<string, string> = { ...authentication.headers, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
        // RFC 9449 section 5: a fresh proof per attempt (a retried one would be a replay), no ath.
        if (this.#dpop) headers.dpop = this.#dpop.proof('POST', endpoint);
        attempts += 1;
        sentAt = options.now();
        const answer = await exchange(options.fetch, endpoint, { method: 'POST', headers, body: form.toString() }, options.timeoutMs, options.maxResponseBytes);
        // Section 8: any answer may carry the nonce to use from now on.
        const newNonce = this.#dpop?.remember(endpoint, answer.headers.get('dpop-nonce')) ?? false;
        outcome = readTokenAnswer(answer, options);
        if (outcome.kind === 'refused' && outcome.error.error === 'use_dpop_nonce' && newNonce && !nonceRetried) {
          // The server is up and asks for its nonce: one more request, not a retry nor a breaker failure.
          nonceRetried = true;
          this.#breaker?.success();
          continue;
        }
      } catch (error) {
        if (!(error instanceof HttpFailure)) {
          // Not the server's fault (a key that cannot sign, a fetch that throws synchronously): no breaker failure.
          this.#breaker?.success();
          throw error;
        }
        sentAt = 0;
        outcome =
          error.problem === 'too_large'
            ? { kind: 'invalid', error: new TokenRequestError('invalid_response', 'invalid_response', { description: `the response is larger than maxResponseBytes (${options.maxResponseBytes} bytes)` }) }
            : { kind: 'retry', error: new TokenRequestError('unavailable', 'request_failed', { description: describe(error, options.timeoutMs), cause: error.cause }), retryAfter: null };
      }
      switch (outcome.kind) {
        case 'token':
          this.#breaker?.success();
          if (index !== this.#auth.preferred) {
            const refused = this.#auth.preferred;
            this.#auth.preferred = index;
            const kind = this.#auth.kind;
            const kid = this.#auth.kid(index);
            publishClientEvent(() => ({ type: 'secret-fallback', clientId: options.clientId, credentialKind: kind, refused, credential: index, ...(kid !== undefined && { kid }) }));
          }
          return { ...outcome.token, sentAt, attempts };
        case 'refused':
          // The server is up and answering: not a breaker failure.
          this.#breaker?.success();
          // A rotation in progress: the server may know only the older secret or key (or only the newer one).
          if (outcome.error.error === 'invalid_client' && credential + 1 < order.length) {
            credential += 1;
            last = outcome.error;
            continue;
          }
          throw outcome.error;
        case 'invalid':
          this.#breaker?.failure();
          throw outcome.error;
        case 'retry': {
          this.#breaker?.failure();
          last = outcome.error;
          if (retries >= options.retries) throw outcome.error;
          const asked = retryAfterMs(outcome.retryAfter);
          if (asked !== undefined && asked > options.maxRetryAfterMs) {
            // Waiting that long would hold the caller far past any timeout it expects: fail now, say when.
            throw new TokenRequestError('unavailable', outcome.error.error, {
              status: outcome.error.status,
              description: `the server asks to retry after ${Math.ceil(asked / 1000)} s, more than maxRetryAfter`,
              retryAfter: asked / 1000,
            });
          }
          await sleep(asked ?? backoffDelay(retries, options.backoffInitialMs, options.backoffMaxMs));
          retries += 1;
        }
      }
    }
  }
}

function describe(error: HttpFailure, timeoutMs: number): string {
  if (error.problem === 'timeout') return `no answer within ${timeoutMs} ms (timeout)`;
  const code = (error.cause as { cause?: { code?: unknown } } | undefined)?.cause?.code;
  return `network error${typeof code === 'string' ? ` (${code})` : ''}`;
}
