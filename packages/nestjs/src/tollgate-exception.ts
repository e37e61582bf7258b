// A refusal in Nest's idiom: an HttpException carrying the TollgateError, and a filter that renders it.
import { Catch, HttpException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { toErrorResponse, TollgateError, type ErrorRenderer } from '@tollgate/core';
import { writeResponse } from './lib/http.js';

/**
 * What `TollgateGuard` throws when it refuses a request: an `HttpException` with the refusal's status
 * and the JSON body of `toErrorResponse` (`{ error, error_description }`), so Nest's own exception
 * layer answers it (and does not log it as an error) and your filters see it. The guard has already
 * set `WWW-Authenticate`, `Cache-Control: no-store` (and `Retry-After` on a 503) on the response, so a
 * filter of yours that rewrites the body keeps the RFC 6750 challenge.
 * @example
 * \@Catch(TollgateException)
 * class AuditFilter implements ExceptionFilter {
 *   catch(exception: TollgateException, host: ArgumentsHost) { audit(exception.error.reason); ... }
 * }
 * @see RFC 6750 section 3
 */
export class TollgateException extends HttpException {
  /** The refusal: `status`, `code`, `reason`, `headers`, `wwwAuthenticate()`. */
  readonly error: TollgateError;

  constructor(error: TollgateError) {
    // A refusal is an expected outcome: like TollgateError, it captures no stack.
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      super(error.toJSON(), error.status, { cause: error });
    } finally {
      Error.stackTraceLimit = stackTraceLimit;
    }
    this.error = error;
    this.name = 'TollgateException';
    this.stack = `${this.name}: ${error.message}`;
  }
}

/** Options of {@link TollgateExceptionFilter}. */
export interface TollgateExceptionFilterOptions {
  /** Renders the body; status and headers are kept. Default: JSON `{ error, error_description }`. */
  render?: ErrorRenderer;
}

/**
 * Renders tollgate's refusals with a renderer of your choice (e.g. RFC 9457 problem details), on
 * either platform. Bind it where you want that format: a route, a controller, or the app.
 * @example
 * \@UseFilters(new TollgateExceptionFilter({ render: renderProblemJson }))
 * \@Controller('orders') class OrdersController {}
 */
@Catch(TollgateException, TollgateError)
export class TollgateExceptionFilter implements ExceptionFilter<TollgateException | TollgateError> {
  readonly #render: ErrorRenderer | undefined;

  constructor(options: TollgateExceptionFilterOptions = {}) {
    this.#render = options.render;
  }

  catch(exception: TollgateException | TollgateError, host: ArgumentsHost): void {
    const error = exception instanceof TollgateException ? exception.error : exception;
    writeResponse(host.switchToHttp().getResponse(), toErrorResponse(error, this.#render));
  }
}
