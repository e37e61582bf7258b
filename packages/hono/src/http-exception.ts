// Hono's idiom for refusals: an HTTPException carrying tollgate's exact response, and an onError handler that renders it.
import { renderJson, toErrorResponse, TollgateError, type ErrorRenderer, type ErrorResponse } from '@tollgate/core';
import type { Context, ErrorHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** A Fetch `Response` of a rendered refusal: status, `WWW-Authenticate`, `Cache-Control`, `Retry-After`, body. */
function toResponse(response: ErrorResponse): Response {
  return new Response(response.body, { status: response.status, headers: { ...response.headers, 'Content-Type': response.contentType } });
}

/**
 * A tollgate refusal as Hono's `HTTPException`: `getResponse()` (and `res`) is the exact RFC 6750 response
 * (status, `WWW-Authenticate`, `Cache-Control: no-store`, `Retry-After` on a 503, JSON body), so Hono's
 * default error handler answers it as tollgate would, without logging it as an error; `error` (also
 * `cause`) is the {@link TollgateError} itself, for `instanceof` checks and `reason`.
 * @example
 * app.onError((err, c) => (err instanceof HTTPException ? err.getResponse() : c.text('oops', 500)));
 * @see RFC 6750 section 3
 */
export class TollgateHttpException extends HTTPException {
  /** The refusal: its `status`, `code`, `reason`, `wwwAuthenticate()`. */
  readonly error: TollgateError;
  readonly #response: ErrorResponse;

  /**
   * @param error - the refusal
   * @param render - chooses the body ({@link renderJson} by default); status and headers are the error's
   */
  constructor(error: TollgateError, render: ErrorRenderer = renderJson) {
    const response = toErrorResponse(error, render);
    // A refusal is an expected outcome: like core's errors, no stack is captured (cost, and no paths in logs).
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      // The one status cast of the adapter: core's refusals are 400, 401, 403 or 503, all with a body.
      super(response.status as ContentfulStatusCode, { message: error.message, cause: error, res: toResponse(response) });
    } finally {
      Error.stackTraceLimit = stackTraceLimit;
    }
    this.name = 'TollgateHttpException';
    this.error = error;
    this.#response = response;
  }

  /** A fresh response on every call (a `Response` body can be read once). */
  override getResponse(): Response {
    return toResponse(this.#response);
  }
}

/** Options of {@link tollgateErrorHandler}. */
export interface ErrorHandlerOptions {
  /** Renders the body; status, `WWW-Authenticate` and `Retry-After` are kept. Default: JSON `{ error, error_description }`. */
  render?: ErrorRenderer;
  /** Answers every error that is not a tollgate refusal. Default: what Hono's own handler does (an `HTTPException`'s response, else a logged 500). */
  otherwise?: ErrorHandler;
}

/** The refusal carried by `error`, thrown by tollgate's middleware or as a bare TollgateError by your code. */
function refusalOf(error: unknown): TollgateError | undefined {
  if (error instanceof TollgateHttpException) return error.error;
  return error instanceof TollgateError ? error : undefined;
}

/**
 * An `app.onError` handler that renders tollgate's refusals with `render` (status and headers kept) and
 * hands every other error to `otherwise`. Optional: without it Hono's default handler already answers
 * a refusal exactly. A sub-app with its own `onError` renders its own routes' refusals.
 * @example app.onError(tollgateErrorHandler({ render: renderProblemJson }));
 * @see RFC 6750 section 3
 */
export function tollgateErrorHandler(options: ErrorHandlerOptions = {}): ErrorHandler {
  const { render = renderJson, otherwise = honoDefault } = options;
  return (error, c) => {
    const refusal = refusalOf(error);
    if (!refusal) return otherwise(error, c);
    const response = toResponse(toErrorResponse(refusal, render));
    // newResponse keeps headers set on the context before the refusal (CORS, for one), as Hono's own handler does.
    return c.newResponse(response.body, response);
  };
}

/** Hono's default error handler, as hono-base.ts writes it. */
function honoDefault(error: Error, c: Context): Response {
  if (error instanceof HTTPException || 'getResponse' in error) {
    const response = (error as HTTPException).getResponse();
    return c.newResponse(response.body, response);
  }
  console.error(error);
  return c.text('Internal Server Error', 500);
}
