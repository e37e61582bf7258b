// Koa middleware that renders tollgate's errors thrown downstream as RFC 6750 responses.
import { toErrorResponse, TollgateError, type ErrorRenderer, type ErrorResponse } from '@tollgate/core';
import type { Context, Middleware } from 'koa';

/** Options of {@link tollgateErrorHandler}. */
export interface ErrorHandlerOptions {
  /** Renders the body; status, `WWW-Authenticate` and `Retry-After` are kept. Default: JSON `{ error, error_description }`. */
  render?: ErrorRenderer;
}

/**
 * Catches tollgate errors from the middleware after it and renders them (status, headers, JSON body);
 * every other error is rethrown. Without it, Koa's default handler still sends the right status and headers.
 * @example app.use(tollgateErrorHandler());
 */
export function tollgateErrorHandler(options: ErrorHandlerOptions = {}): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      if (!(error instanceof TollgateError)) throw error;
      setErrorResponse(ctx, toErrorResponse(error, options.render));
    }
  };
}

/** Sets an error response on `ctx` (status, headers, content type, body); the adapter answers with it too. */
export function setErrorResponse(ctx: Context, response: ErrorResponse): void {
  ctx.status = response.status;
  ctx.set(response.headers);
  ctx.type = response.contentType;
  ctx.body = response.body;
}
