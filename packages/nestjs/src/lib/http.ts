// How tollgate reads a Nest request and writes a response on either platform (Express or Fastify).
import { bindRequests, decidedToken, queryIfPresent, type ErrorResponse, type RequestLike } from '@tollgate/core';

/** The request object of either platform: Express's `req`, or Fastify's `request` (its Node request in `raw`). */
interface PlatformRequest {
  headers: RequestLike['headers'];
  method: string;
  url?: string;
  query?: unknown;
  body?: unknown;
  rawHeaders?: string[];
  raw?: { rawHeaders?: string[] };
}

/** The response object of either platform: Express's `res` (a Node response) or Fastify's `reply`. */
interface PlatformResponse {
  header?(name: string, value: string): unknown;
  setHeader?(name: string, value: string): unknown;
  code?(status: number): unknown;
  type?(contentType: string): unknown;
  send?(body: string): unknown;
  statusCode?: number;
  end?(body: string): unknown;
}

/**
 * Runs a core guard against a Nest request. The decision is kept on the request object by core, so a
 * second TollgateGuard on the same request (a global one, then a controller's) goes by the first.
 * The token is not written to a request property: handlers read it with `@Auth()`, from that record.
 */
export const runGuard = bindRequests<PlatformRequest>({
  read: (request) => ({
    headers: request.headers,
    // Two Authorization headers must be seen as two (Node keeps only the first in `headers`).
    rawHeaders: request.rawHeaders ?? request.raw?.rawHeaders,
    method: request.method,
    query: queryIfPresent(request) as RequestLike['query'],
    body: request.body,
  }),
  getAuth: (request) => decidedToken(request),
  setAuth: () => undefined,
});

/** Sets headers on the response of either platform. */
export function setHeaders(response: unknown, headers: Record<string, string>): void {
  const res = response as PlatformResponse;
  for (const [name, value] of Object.entries(headers)) {
    if (typeof res.header === 'function') res.header(name, value);
    else res.setHeader?.(name, value);
  }
}

/** Writes a complete error response on either platform. */
export function writeResponse(response: unknown, error: ErrorResponse): void {
  const res = response as PlatformResponse;
  setHeaders(res, { ...error.headers, 'Content-Type': error.contentType });
  if (typeof res.code === 'function' && typeof res.send === 'function') {
    res.code(error.status);
    res.send(error.body);
    return;
  }
  res.statusCode = error.status;
  res.end?.(error.body);
}
