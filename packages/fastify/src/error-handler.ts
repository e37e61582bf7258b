// A Fastify error handler that renders tollgate's errors as RFC 6750 responses.
import { toErrorResponse, TollgateError, type ErrorRenderer } from '@tollgate/core';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

/** Options of {@link tollgateErrorHandler}. */
export interface ErrorHandlerOptions {
  /** Renders the body; status, `WWW-Authenticate` and `Retry-After` are kept. Default: JSON `{ error, error_description }`. */
  render?: ErrorRenderer;
}

/**
 * Renders tollgate errors (status, headers, JSON body); other errors are sent as Fastify would.
 * Without it, Fastify's default handler still sends the right status and headers.
 * @example app.setErrorHandler(tollgateErrorHandler());
 */
export function tollgateErrorHandler(options: ErrorHandlerOptions = {}) {
  return (error: FastifyError | Error, _request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    if (!(error instanceof TollgateError)) return reply.send(error);
    const response = toErrorResponse(error, options.render);
    return reply.code(response.status).headers(response.headers).type(response.contentType).send(response.body);
  };
}
