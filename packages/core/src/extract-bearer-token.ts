// Finds the bearer token of a request: the Authorization header, or (when allowed) the query or a form body.
import { InvalidRequestError, type TollgateErrorReason } from './errors.js';

/** The framework-neutral request shape tollgate reads. */
export interface RequestLike {
  /** Node-style lower-cased headers. */
  headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  /** Node's `rawHeaders`: lets tollgate see a repeated Authorization header that `headers` folds away. */
  rawHeaders?: readonly string[] | undefined;
  /** The HTTP method: a form body is read only when it is given and not `GET` or `HEAD`; `OPTIONS` may be a CORS preflight. */
  method?: string | undefined;
  /** The parsed query string. */
  query?: unknown;
  /** The parsed body (a form body for RFC 6750 section 2.2). */
  body?: unknown;
  /**
   * The request URL as the client used it, for a DPoP proof's `htu` (RFC 9449 section 4.3): absolute
   * (`https://api.example.com/orders?x=1`), or just the path (`/orders?x=1`) when `dpop.publicUrl` is set.
   * A function is called only for DPoP requests, so a Bearer request never pays for building it.
   * The adapters fill it in; behind a proxy it follows the framework's proxy trust (see docs/dpop.md).
   */
  url?: string | (() => string | undefined) | undefined;
  /**
   * The connection's socket: for a certificate-bound token (RFC 8705 section 3), its TLS client
   * certificate (Node's `tls.TLSSocket`) is the one the token must name. Read only for such a token, and
   * never when `mtls.certificateHeader` is set. The adapters fill it in.
   */
  socket?: object | undefined;
}

/** Which token transports are accepted besides the Authorization header. */
export interface ExtractOptions {
  /** Accept `?access_token=` (RFC 6750 section 2.3). Leaks into logs and history: default `false`. */
  allowQuery?: boolean;
  /** Accept `access_token` in a form-encoded body (RFC 6750 section 2.2). Default `false`. */
  allowBody?: boolean;
  /** Realm for the errors thrown. */
  realm?: string | undefined;
}

// RFC 6750 section 2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const B64TOKEN = '[A-Za-z0-9\\-._~+/]+=*';
// A whole b64token: the credentials of the header (section 2.1) and the query and body parameters (2.2, 2.3).
const WHOLE_B64TOKEN = new RegExp(`^${B64TOKEN}$`);
const SCHEME = /^([!#$%&'*+\-.^_`|~A-Za-z0-9]+)(?: |$)/;

const fail = (reason: TollgateErrorReason, description: string, realm: string | undefined) =>
  new InvalidRequestError(description, { reason, realm });

/**
 * What {@link readCredentials} found in place of a bearer token: credentials of another authentication
 * scheme (`Basic ...`, `DPoP ...`, a bare word). Internal: not re-exported by the package.
 */
export const OTHER_SCHEME: unique symbol = Symbol('tollgate.otherScheme');

const BEARER = 'bearer';

/** Whether `header` starts with `bearer` in any case; read in place, as lower-casing a copy costs two strings per request. */
function startsWithBearer(header: string): boolean {
  for (let i = 0; i < 6; i += 1) {
    // ASCII letters only: setting bit 0x20 lower-cases A-Z and leaves a-z; no other code maps onto b, e, a, r.
    if ((header.charCodeAt(i) | 0x20) !== BEARER.charCodeAt(i)) return false;
  }
  return true;
}

/**
 * The b64token of `Bearer 1*SP b64token` (the scheme in any case), or undefined. A token `known` to have
 * passed this check before (a verified-token cache hit) skips the character scan.
 */
function bearerCredentials(header: string, known: KnownToken | undefined): string | undefined {
  if (header.length < 8 || !startsWithBearer(header) || header.charCodeAt(6) !== 0x20) return undefined;
  let start = 7;
  while (header.charCodeAt(start) === 0x20) start += 1;
  const token = header.slice(start);
  return known?.(token) || WHOLE_B64TOKEN.test(token) ? token : undefined;
}

/** Whether a string is exactly a token that already passed every check, so it is a b64token. */
export type KnownToken = (token: string) => boolean;

/** Strips spaces and tabs (RFC 9110 optional whitespace) from both ends, and nothing else. */
function trimOptionalWhitespace(value: string): string {
  const isOws = (code: number) => code === 0x20 || code === 0x09;
  let start = 0;
  let end = value.length;
  while (start < end && isOws(value.charCodeAt(start))) start += 1;
  while (end > start && isOws(value.charCodeAt(end - 1))) end -= 1;
  return start === 0 && end === value.length ? value : value.slice(start, end);
}

function countAuthorizationHeaders(rawHeaders: readonly string[]): number {
  let count = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i];
    // The length check first: most header names are not 13 characters, and lower-casing allocates.
    if (name?.length === 13 && name.toLowerCase() === 'authorization') count += 1;
  }
  return count;
}

function fromHeader(request: RequestLike, realm: string | undefined, known: KnownToken | undefined): string | typeof OTHER_SCHEME | undefined {
  const value = request.headers.authorization;
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || (request.rawHeaders && countAuthorizationHeaders(request.rawHeaders) > 1)) {
    throw fail('multiple_headers', 'more than one Authorization header', realm);
  }
  // RFC 9110 section 5.5: only spaces and tabs surround a field value; String.prototype.trim would
  // also strip U+00A0, U+FEFF and others, accepting a line that is not `Bearer <b64token>`.
  const header = trimOptionalWhitespace(value);
  const token = bearerCredentials(header, known);
  if (token !== undefined) return token;
  // Off the hot path: only a line that is not `Bearer <b64token>` gets here.
  const scheme = SCHEME.exec(header)?.[1];
  // RFC 6750 section 3.1: a request that uses another authentication method (RFC 9110 section 11.4:
  // `scheme [ 1*SP ... ]`, a bare word included) carries no bearer credentials, so it is answered like a
  // request without any: 401 with a bare challenge, never 400. Its credentials are not ours to judge.
  if (scheme && scheme.toLowerCase() !== 'bearer') return OTHER_SCHEME;
  // A Bearer line that is not `Bearer 1*SP b64token`, or a line whose scheme cannot be read at all.
  throw fail('malformed_header', 'malformed Authorization header', realm);
}

function parameter(source: unknown, realm: string | undefined): string | undefined {
  if (typeof source !== 'object' || source === null) return undefined;
  const value = source instanceof URLSearchParams ? source.getAll('access_token') : (source as Record<string, unknown>).access_token;
  if (value === undefined || (Array.isArray(value) && value.length === 0)) return undefined;
  if (Array.isArray(value) && value.length > 1) throw fail('malformed_parameter', 'access_token must be given once', realm);
  const single: unknown = Array.isArray(value) ? value[0] : value;
  // e.g. ?access_token[a]=b, which qs-style parsers turn into an object.
  if (typeof single !== 'string') throw fail('malformed_parameter', 'malformed access_token', realm);
  if (!WHOLE_B64TOKEN.test(single)) throw fail('malformed_parameter', 'malformed access_token', realm);
  return single;
}

function isFormBody(request: RequestLike): boolean {
  const type = request.headers['content-type'];
  return typeof type === 'string' && type.split(';')[0]!.trim().toLowerCase() === 'application/x-www-form-urlencoded';
}

/**
 * Like {@link extractBearerToken}, but tells apart a request without credentials (`undefined`) from one
 * whose Authorization header uses another scheme ({@link OTHER_SCHEME}), so that the refusal and the audit
 * event can say which. Internal: the verifier's `authenticate` uses it, with its realm and its cache.
 * @see RFC 6750 sections 2 and 3.1
 */
export function readCredentials(
  request: RequestLike,
  options: ExtractOptions = {},
  realm = options.realm,
  known?: KnownToken,
): string | typeof OTHER_SCHEME | undefined {
  const header = fromHeader(request, realm, known);
  const query = parameter(request.query, realm);
  // RFC 6750 section 2.2: only a form-encoded body of a request that has a body, never GET.
  // GET and HEAD as Node gives them need no upper-cased copy; anything else is compared upper-cased.
  const method = request.method === 'GET' || request.method === 'HEAD' ? request.method : request.method?.toUpperCase();
  const hasBody = method !== undefined && method !== 'GET' && method !== 'HEAD';
  const body = hasBody && isFormBody(request) ? parameter(request.body, realm) : undefined;
  // RFC 6750 section 3.1: more than one method of sending the token is invalid_request. Credentials of
  // another scheme are no bearer token: Basic plus ?access_token= is one method, not two.
  const headerToken = typeof header === 'string' ? header : undefined;
  const sent = Number(headerToken !== undefined) + Number(query !== undefined) + Number(body !== undefined);
  if (sent > 1) throw fail('multiple_methods', 'token sent by more than one method', realm);
  if (query !== undefined && !options.allowQuery) {
    throw fail('query_token_not_allowed', 'access_token in the query is not accepted; use the Authorization header', realm);
  }
  if (body !== undefined && !options.allowBody) {
    throw fail('body_token_not_allowed', 'access_token in the body is not accepted; use the Authorization header', realm);
  }
  return headerToken ?? query ?? body ?? header;
}

/**
 * Returns the request's bearer token, or `undefined` when it carries none: no credentials at all, or
 * credentials of another scheme (`Basic ...`, `DPoP ...`, a bare word), which RFC 6750 section 3.1 answers
 * like none. Throws {@link InvalidRequestError} (400) for a malformed Bearer header, a repeated header, a
 * token sent by more than one method, or by a method that is not allowed.
 * @example
 * const token = extractBearerToken({ headers: { authorization: 'Bearer abc' } }); // 'abc'
 * extractBearerToken({ headers: { authorization: 'Basic dXNlcjpwYXNz' } }); // undefined
 * @see RFC 6750 section 2
 */
export function extractBearerToken(request: RequestLike, options: ExtractOptions = {}): string | undefined {
  const credentials = readCredentials(request, options);
  return typeof credentials === 'string' ? credentials : undefined;
}
