// Reads a token endpoint's answer: a usable bearer token (RFC 6749 section 5.1), a refusal (section 5.2), or a failure to retry.
import { TokenRequestError } from '../token-request-error.js';
import { parseObject, type HttpAnswer } from './http.js';

/** A token as the endpoint granted it. */
export interface GrantedToken {
  readonly accessToken: string;
  /** Seconds, from `expires_in` or the assumed default. */
  readonly expiresIn: number;
  /** Whether `expires_in` was absent and the default assumed. */
  readonly assumed: boolean;
  /** The granted scope when the server named it (RFC 6749 section 5.1), else `undefined`. */
  readonly scope: string | undefined;
  /** `DPoP` for a token bound to the client's DPoP key (RFC 9449 section 5), else `Bearer`. */
  readonly tokenType: 'Bearer' | 'DPoP';
}

/** What the answer means for the caller. */
export type Outcome =
  | { readonly kind: 'token'; readonly token: GrantedToken }
  /** 5xx or 429: worth another attempt; `retryAfterMs` from the header when given. */
  | { readonly kind: 'retry'; readonly error: TokenRequestError; readonly retryAfter: string | null }
  /** An RFC 6749 section 5.2 refusal: the server is up, the request is wrong. */
  | { readonly kind: 'refused'; readonly error: TokenRequestError }
  /** An answer that is not a token response: the server misbehaves; not retried. */
  | { readonly kind: 'invalid'; readonly error: TokenRequestError };

/** What the parser needs from the options. */
export interface ResponseLimits {
  /** Seconds assumed without `expires_in`, or `false` to refuse such a response. */
  readonly defaultExpiresIn: number | false;
  /** Longest `expires_in` accepted, in seconds. */
  readonly maxExpiresIn: number;
  /** The DPoP key when the request carried a proof, so the token must be of type DPoP; else Bearer. */
  readonly dpop: object | undefined;
}

// RFC 6750 section 2.1: b64token, the only characters a Bearer credential can carry in a header.
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
// RFC 6749 section 5.2: error = 1*( %x20-21 / %x23-5B / %x5D-7E ).
const ERROR_CODE = /^[\x20\x21\x23-\x5b\x5d-\x7e]{1,100}$/;

const invalid = (status: number, description: string): Outcome => ({
  kind: 'invalid',
  error: new TokenRequestError('invalid_response', 'invalid_response', { status, description }),
});

/** Classifies the answer of a token request. */
export function readTokenAnswer(answer: HttpAnswer, limits: ResponseLimits): Outcome {
  const { status } = answer;
  if (status === 429 || status >= 500) {
    const json = parseObject(answer.text);
    const code = typeof json?.error === 'string' && ERROR_CODE.test(json.error) ? json.error : status === 429 ? 'too_many_requests' : 'server_error';
    const description = typeof json?.error_description === 'string' ? json.error_description : undefined;
    return { kind: 'retry', error: new TokenRequestError('unavailable', code, { status, description }), retryAfter: answer.headers.get('retry-after') };
  }
  const json = parseObject(answer.text);
  if (status < 200 || status >= 300) {
    // RFC 6749 section 5.2: 400 (or 401 for client authentication) with a JSON error object.
    if (typeof json?.error === 'string' && ERROR_CODE.test(json.error)) {
      const description = typeof json.error_description === 'string' ? json.error_description : undefined;
      return { kind: 'refused', error: new TokenRequestError('rejected', json.error, { status, description }) };
    }
    if (status >= 300 && status < 400) return invalid(status, 'the token endpoint answered with a redirect, which is not followed; set tokenEndpoint to the final URL');
    return invalid(status, `HTTP ${status} without an RFC 6749 error object; check tokenEndpoint`);
  }
  if (json === undefined) return invalid(status, 'the body is not a JSON object');
  const accessToken = json.access_token;
  if (typeof accessToken !== 'string' || accessToken === '') return invalid(status, 'no access_token');
  if (!B64TOKEN.test(accessToken)) return invalid(status, 'access_token has characters a Bearer credential cannot carry (RFC 6750 section 2.1)');
  const tokenType = json.token_type;
  // RFC 6749 section 7.1: the type is case-insensitive. A token is only usable in the scheme it was issued
  // for: a DPoP-bound token sent as Bearer is refused (RFC 9449 section 7.2), and a Bearer token answered
  // to a DPoP request means the server ignored the proof, so the token is not sender-constrained.
  const type = typeof tokenType === 'string' ? tokenType.toLowerCase() : undefined;
  const expected = limits.dpop ? 'dpop' : 'bearer';
  if (type !== expected) {
    const shown = typeof tokenType === 'string' ? JSON.stringify(tokenType.slice(0, 30)) : 'missing';
    if (type === 'dpop') return invalid(status, 'token_type is "DPoP" but this client did not ask for a DPoP-bound token; set the dpop option, or have the server issue Bearer tokens to this client');
    if (type === 'bearer') return invalid(status, 'token_type is "Bearer": the server ignored the DPoP proof and issued a token that is not bound to the key; enable DPoP for this client at the server (RFC 9449 section 5), or remove the dpop option');
    return invalid(status, `token_type is ${shown}, not ${limits.dpop ? 'DPoP' : 'Bearer'}`);
  }
  const expiresIn = json.expires_in;
  let seconds: number;
  let assumed = false;
  if (expiresIn === undefined) {
    if (limits.defaultExpiresIn === false) return invalid(status, 'no expires_in, and defaultExpiresIn is false');
    seconds = limits.defaultExpiresIn;
    assumed = true;
  } else if (typeof expiresIn !== 'number') {
    // RFC 6749 section 5.1: a number of seconds. A string is a server bug; guessing its meaning could cache a dead token.
    return invalid(status, `expires_in is a ${expiresIn === null ? 'null' : typeof expiresIn}, not a number of seconds (RFC 6749 section 5.1)`);
  } else if (!Number.isFinite(expiresIn) || expiresIn <= 0) {
    return invalid(status, `expires_in is ${expiresIn}; a token must live for a positive number of seconds`);
  } else if (expiresIn > limits.maxExpiresIn) {
    return invalid(status, `expires_in is ${expiresIn} s, more than maxExpiresIn (${limits.maxExpiresIn} s)`);
  } else {
    seconds = expiresIn;
  }
  const scope = typeof json.scope === 'string' ? json.scope : undefined;
  return { kind: 'token', token: { accessToken, expiresIn: seconds, assumed, scope, tokenType: limits.dpop ? 'DPoP' : 'Bearer' } };
}
