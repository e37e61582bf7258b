// Turns a refusal into a framework-neutral HTTP response (status, headers, body), renderable by any adapter.
import { TollgateError } from './errors.js';

/** The body and content type a renderer produces. */
export interface RenderedBody {
  /** The `Content-Type` of the body, e.g. `application/json; charset=utf-8`. */
  contentType: string;
  /** The serialised body. */
  body: string;
}

/**
 * Renders the body of an error response. Status, `WWW-Authenticate` and `Retry-After` are always
 * set by tollgate; a renderer only chooses the body.
 */
export type ErrorRenderer = (error: TollgateError) => RenderedBody;

/** A complete error response. */
export interface ErrorResponse extends RenderedBody {
  /** The HTTP status: the error's own (400, 401, 403, 503), or 500 for anything that is not a refusal. */
  status: number;
  /** Headers to set: `WWW-Authenticate` and `Cache-Control: no-store`, plus `Retry-After` on a 503. */
  headers: Record<string, string>;
}

/** The default body: `{ "error": code, "error_description": text }` (RFC 6749 section 5.2 style). */
export const renderJson: ErrorRenderer = (error) => ({ contentType: 'application/json; charset=utf-8', body: JSON.stringify(error.toJSON()) });

/**
 * An RFC 9457 problem details body: `application/problem+json` with `type`, `title`, `status`, `detail`.
 * @example tollgateErrorHandler({ render: renderProblemJson })
 */
export const renderProblemJson: ErrorRenderer = (error) => ({
  contentType: 'application/problem+json; charset=utf-8',
  body: JSON.stringify({
    type: 'about:blank',
    title: error.code ?? 'unauthorized',
    status: error.status,
    detail: error.message,
    ...(error.scope ? { scope: error.scope } : {}),
  }),
});

/**
 * The full response for `error`: its status, its headers, and the body of `render` (JSON by default).
 * @param error - the refusal to answer
 * @param render - chooses the body; {@link renderJson} or {@link renderProblemJson}, or your own
 * @example
 * const { status, headers, contentType, body } = toErrorResponse(error, renderProblemJson);
 * res.writeHead(status, { ...headers, 'content-type': contentType }).end(body);
 * @see RFC 6750 section 3
 */
export function toErrorResponse(error: TollgateError, render: ErrorRenderer = renderJson): ErrorResponse {
  const { contentType, body } = render(error);
  return { status: error.status, headers: error.headers, contentType, body };
}

const warned = new Set<string>();

// Control, format (bidi) and line-separator characters: a message can carry request data into the log.
const UNPRINTABLE = /[\p{Cc}\p{Cf}\u2028\u2029]/gu;

/**
 * The response for an error raised where no framework handler can take it (a decorated method called
 * without `next`, or a `next` that threw inside tollgate's promise): a refusal is rendered as usual;
 * anything else, e.g. a configuration error or the route's own bug, becomes a bare 500 (never the
 * message) and is reported once per message as a process warning, so it is seen. The message is cut to
 * 200 characters with unprintable characters replaced, as it may quote request data.
 */
export function toUnhandledResponse(error: unknown): ErrorResponse {
  if (error instanceof TollgateError) return toErrorResponse(error);
  const message = (error instanceof Error ? `${error.name}: ${error.message}` : 'non-error thrown').slice(0, 200).replace(UNPRINTABLE, '?');
  if (!warned.has(message) && warned.size < 100) {
    warned.add(message);
    process.emitWarning(`tollgate: an error reached no framework error handler and was answered 500: ${message}`, 'TollgateWarning');
  }
  return { status: 500, headers: { 'Cache-Control': 'no-store' }, contentType: 'application/json; charset=utf-8', body: '{"error":"server_error"}' };
}
