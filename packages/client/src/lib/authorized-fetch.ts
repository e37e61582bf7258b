// The fetch wrapper: sends the access token, and after a 401 invalid_token renews it and retries once.
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
 * Whether a `WWW-Authenticate` value holds a Bearer challenge with `error="invalid_token"` (RFC 6750
 * section 3.1): the token was refused as expired, revoked or malformed, so a new one may pass.
 * `insufficient_scope` and challenges of other schemes are not that.
 */
export function isInvalidTokenChallenge(header: string | null): boolean {
  if (header === null || header.length > 8192) return false;
  // Tokens of the header: a scheme is a token not followed by '='; parameters are name=value or name="value".
  const pattern = /\s*,?\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)(?:\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([!#$%&'*+.^_`|~0-9A-Za-z-]+)))?/gy;
  let scheme: string | undefined;
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
      scheme = name!.toLowerCase();
      continue;
    }
    if (scheme === 'bearer' && name!.toLowerCase() === 'error' && (quoted ?? plain) === 'invalid_token') return true;
  }
  return false;
}

/**
 * A `fetch` that adds `Authorization: Bearer <token>`. On a 401 whose challenge says `invalid_token`,
 * a replayable request is sent once more with a renewed token; any other answer is returned as it is.
 * This is where a DPoP proof per request will be added (RFC 9449 section 7): `authorize` is the one place
 * that decorates the request.
 */
export function createAuthorizedFetch(source: TokenSource, fetchImpl: typeof fetch, checkUrl: (url: string) => string | undefined): typeof fetch {
  const authorize = (input: string | URL | Request, init: RequestInit | undefined, token: string): Promise<Response> => {
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
    headers.set('authorization', `Bearer ${token}`);
    return fetchImpl(input, { ...init, headers });
  };
  return async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = input instanceof Request ? input.url : String(input);
    const problem = checkUrl(url);
    // A bearer token over plain http can be read and replayed by anyone on the path.
    if (problem) throw new TypeError(`tollgate client fetch: ${problem}`);
    const token = await source.getToken();
    const response = await authorize(input, init, token);
    if (response.status !== 401 || !isInvalidTokenChallenge(response.headers.get('www-authenticate')) || !canReplay(input, init)) return response;
    // The API refused this very token (revoked, or signed with a key it no longer trusts): one renewal, one retry.
    cancel(response.body);
    source.invalidate(token);
    return authorize(input, init, await source.getToken());
  };
}
