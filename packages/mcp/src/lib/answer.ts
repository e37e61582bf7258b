// Writes a refusal (or a bare 500 for anything else) on an Express response, once.
import { toErrorResponse, toUnhandledResponse, TollgateError, type ErrorRenderer, type ErrorResponse } from '@tollgate/core';
import type { Response } from 'express';

/** Sends `response` unless the response has started (then only Express can end it). */
export function send(res: Response, response: ErrorResponse): void {
  if (res.headersSent) return;
  res.status(response.status);
  for (const [name, value] of Object.entries(response.headers)) res.setHeader(name, value);
  res.setHeader('Content-Type', response.contentType);
  res.end(response.body);
}

/** Answers `error`: a refusal as its RFC 6750 response (body by `render`), anything else as a bare 500. */
export function answer(res: Response, error: unknown, render?: ErrorRenderer): void {
  send(res, error instanceof TollgateError ? toErrorResponse(error, render) : toUnhandledResponse(error));
}
