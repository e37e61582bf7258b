// An Express error handler that renders tollgate's errors as RFC 6750 responses.
import { toErrorResponse, TollgateError, type ErrorRenderer, type ErrorResponse } from '@tollgate/core';
import type { ErrorRequestHandler, Response } from 'express';

/** Options of {@link tollgateErrorHandler}. */
export interface ErrorHandlerOptions {
  /** Renders the body; status, `WWW-Authenticate` and `Retry-After` are kept. Default: JSON `{ error, error_description }`. */
  render?: ErrorRenderer;
}

/**
 * Renders tollgate errors (status, `WWW-Authenticate`, JSON body) and passes every other error on.
 * Without it, Express's own handler still sends the right status and headers.
 * @example app.use(tollgateErrorHandler());
 */
export function tollgateErrorHandler(options: ErrorHandlerOptions = {}): ErrorRequestHandler {
  return (error, _req, res, next) => {
    if (!(error instanceof TollgateError) || res.headersSent) {
      next(error);
      return;
    }
    sendErrorResponse(res, toErrorResponse(error, options.render));
  };
}

/** Writes an error response (status, headers, content type, body); the adapter answers with it too. */
export function sendErrorResponse(res: Response, response: ErrorResponse): void {
  res.status(response.status);
  for (const [name, value] of Object.entries(response.headers)) res.setHeader(name, value);
  res.setHeader('Content-Type', response.contentType);
  res.end(response.body);
}
