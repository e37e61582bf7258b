// The fetch wrapper: sends the access token (with a DPoP proof for a bound one), retries once on use_dpop_nonce, renews once on invalid_token.
import { normalizeMethod, type DpopProofs } from './dpop-proofs.js';
import { cancel } from './http.js';

/** What the wrapper needs from the client. */
export interface TokenSource {
  /** The current access token. */
  getToken(): Promise<string>;
  /** Drops `accessToken` if still cached, so the next getToken renews. */
  invalidate(accessToken: string): void;
}

/**
 * Whether the request can be sent twice: a body that is a stream (or a `Request` carrying one) is
 * consumed by the first send, so such requests are never retried.
 */
export function canReplay(input: string | URL | Request, init: RequestInit | undefined): boolean {
  if (init?.body !== undefined && init.body !== null) {
    const body: unknown = init.body;
    return typeof body === 'string' || body instanceof URLSearchParams || body instanceof ArrayBuffer || ArrayBuffer.isView(body) || body instanceof Blob || body instanceof FormData;
  }
  return !(input instanceof Request && input.body !== null);
}

/**
 * The `error` of the challenge of `scheme` (lower case) in a `WWW-Authenticate` value, or `undefined`.
 * RFC 9110 section 11.6.1: challenges are a scheme, then `name=value` or `name="value"` parameters.
 */
export function challengeError(header: string | null, scheme: 'bearer' | 'dpop'): string | undefined {
  if (header === null || header.length > 8192) return undefined;
  // Tokens of the header: a scheme is a token not followed by '='; parameters are name=value or name="value".
  const pattern = /\s*,?\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)(?:\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([!#$%&'*+.^_`|~0-9A-Za-z-]+)))?/gy;
  let current: string | undefined;
  let index = 0;
  while (index < header.length) {
    pattern.lastIndex = index;
    const match = pattern.exec(header);
    if (match === null || match[0] === '') {
      // Something else (a token68 credential of another scheme): skip to the next comma.
      const comma = header.indexOf(',', index);
      if (comma < 0) break;
      index = comma + 1;
      continue;
    }
    index = pattern.lastIndex;
    const [, name, quoted, plain] = match;
    if (quoted === undefined && plain === undefined) {
      current = name!.toLowerCase();
      continue;
    }
    if (current === scheme && name!.toLowerCase() === 'error') return quoted ?? plain;
  }
  return undefined;
}

/**
 * Whether a `WWW-Authenticate` value holds a challenge of `scheme` (Bearer by default) with
 * `error="invalid_token"` (RFC 6750 section 3.1, RFC 9449 section 7.1): the token was refused as
 * expired, revoked or malformed, so a new one may pass. `insufficient_scope` and other schemes are not that.
 */
export function isInvalidTokenChallenge(header: string | null, scheme: 'bearer' | 'dpop' = 'bearer'): boolean {
  return challengeError(header, scheme) === 'invalid_token';
}

/**
 * A `fetch` that adds `Authorization: Bearer <token>`, or with `dpop` `Authorization: DPoP <token>` and a
 * fresh proof of the request (RFC 9449 section 7.1). A replayable request is sent once more:
 * - after a 401 DPoP `use_dpop_nonce` that brought a new `DPoP-Nonce` (section 9), with the same token;
 * - after a 401 whose challenge says `invalid_token`, with a renewed token.
 * Any other answer is returned as it is.
 */
export function createAuthorizedFetch(source: TokenSource, fetchImpl: typeof fetch, checkUrl: (url: string) => string | undefined, dpop?: DpopProofs): typeof fetch {
  const scheme = dpop ? 'dpop' : 'bearer';
  const authorize = async (input: string | URL | Request, init: RequestInit | undefined, url: string, token: string): Promise<{ response: Response; newNonce: boolean }> => {
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
    if (dpop) {
      const method = init?.method ?? (input instanceof Request ? input.method : 'GET');
      headers.set('authorization', `DPoP ${token}`);
      headers.set('dpop', dpop.proof(method, url, token));
    } else {
      headers.set('authorization', `Bearer ${token}`);
    }
    const response = await fetchImpl(input, { ...init, headers });
    // Section 8 and 9: any answer may carry the nonce of this origin from now on.
    const newNonce = dpop?.remember(url, response.headers.get('dpop-nonce')) ?? false;
    return { response, newNonce };
  };
  return async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = input instanceof Request ? input.url : String(input);
    const problem = checkUrl(url);
    // A bearer token over plain http can be read and replayed by anyone on the path.
    if (problem) throw new TypeError(`tollgate client fetch: ${problem}`);
    let token = await source.getToken();
    let { response, newNonce } = await authorize(input, init, url, token);
    if (response.status !== 401 || !canReplay(input, init)) return response;
    let error = challengeError(response.headers.get('www-authenticate'), scheme);
    if (dpop && error === 'use_dpop_nonce' && newNonce) {
      // The API wants its nonce in the proof: the same token, a new proof with the nonce, once.
      cancel(response.body);
      ({ response } = await authorize(input, init, url, token));
      if (response.status !== 401) return response;
      error = challengeError(response.headers.get('www-authenticate'), scheme);
    }
    if (error !== 'invalid_token') return response;
    // The API refused this very token (revoked, or signed with a key it no longer trusts): one renewal, one retry.
    cancel(response.body);
    source.invalidate(token);
    token = await source.getToken();
    return (await authorize(input, init, url, token)).response;
  };
}
