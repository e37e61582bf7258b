// How tollgate reads a Nest request and writes a response on either platform (Express or Fastify).
import { bindRequests, decidedToken, queryIfPresent, requestUrlFrom, type ErrorResponse, type RequestLike } from '@tollgate/core';

/** The request object of either platform: Express's `req`, or Fastify's `request` (its Node request in `raw`). */
interface PlatformRequest {
  headers: RequestLike['headers'];
  method: string;
  url?: string;
  query?: unknown;
  body?: unknown;
  rawHeaders?: string[];
  raw?: { rawHeaders?: string[]; socket?: object };
  /** Express: the path before routers rewrote `url`, and the app (for its `trust proxy` setting). */
  originalUrl?: string;
  app?: { get?(setting: string): unknown };
  socket?: { remoteAddress?: string };
  /** Express and Fastify: the scheme, under the platform's proxy trust. */
  protocol?: string;
  /** Fastify 5: the host with its port; Fastify 4's `hostname` has the port. */
  host?: string;
  hostname?: string;
}

/** The first value of a header, as a string. */
function headerOf(request: PlatformRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : Array.isArray(value) ? (value[0] as string | undefined) : undefined;
}

/**
 * The absolute URL the client used, for a DPoP proof's `htu`, under the platform's own proxy trust: on
 * Express its `trust proxy` setting (as Express 5's `req.host` reads it), on Fastify its `trustProxy`
 * (through `request.protocol` and `request.host`). No forwarded header counts otherwise.
 */
function requestUrl(request: PlatformRequest): string | undefined {
  if (request.raw !== undefined) {
    const host = request.host ?? request.hostname;
    return requestUrlFrom(request.protocol, host, request.url);
  }
  const trust = request.app?.get?.('trust proxy fn');
  let host = headerOf(request, 'x-forwarded-host');
  if (!host || typeof trust !== 'function' || !(trust as (address: string | undefined, hop: number) => boolean)(request.socket?.remoteAddress, 0)) host = headerOf(request, 'host');
  else if (host.includes(',')) host = host.slice(0, host.indexOf(',')).trimEnd();
  return requestUrlFrom(request.protocol, host, request.originalUrl ?? request.url);
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
    // Built only for a DPoP request.
    url: () => requestUrl(request),
    // Its TLS client certificate is read only for a certificate-bound token (RFC 8705).
    socket: request.raw?.socket ?? request.socket,
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
