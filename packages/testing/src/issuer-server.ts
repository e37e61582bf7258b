// The HTTP side of the test issuer: discovery documents and the JWKS on 127.0.0.1, with faults on demand.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A way for the issuer's endpoints to misbehave, for fault tests.
 * - `down`: the connection is reset before any response.
 * - `slow`: the response is held for `delayMs` (default 5000) before it is sent.
 * - `error`: an HTTP error status (default 500), with a `Retry-After` header when `retryAfter` is given.
 * - `invalid-json`: a 200 whose body is not JSON.
 * - `oversized`: a 200 with a JSON body of `bytes` bytes (default 2 MiB, at least 24), streamed in
 *   64 KiB writes. It declares `Content-Length` unless `chunked: true`, which sends it chunked so only
 *   a cap on the bytes actually read can stop it.
 * - `not-a-jwks`: a 200 with valid JSON that is not a key set.
 * - `redirect`: a redirect (default 302) to `location`, e.g. another server's JWKS.
 * - `redirect-loop`: a redirect (default 302) between two URLs of the same endpoint (with and
 *   without a `redirected` query parameter), each of which redirects again; every hop is counted.
 * - `wrong-use`: a 200 with the endpoint's own document, every key marked `use: 'enc'`
 *   (RFC 7517 section 4.2); documents without a `keys` array are sent unchanged.
 * - `empty-keys`: a 200 with `{"keys":[]}`, a well-formed key set without any key (RFC 7517 section 5).
 * - `respond`: exactly this answer: `status` (default 200), `body` (a string as it is, anything else as
 *   JSON) and `headers`; for bad token responses (`expires_in` as a string, no `access_token`, ...).
 *
 * With target `token`, `slow` holds the request and then answers it as the token endpoint would.
 * @example
 * issuer.setFault({ kind: 'oversized', bytes: 5 * 1024 * 1024, chunked: true }, 'jwks');
 * @see RFC 7517 section 5 (JWK Set), RFC 9110 section 15.4 (redirects)
 */
export type IssuerFault =
  | { kind: 'down' }
  | { kind: 'slow'; delayMs?: number }
  | { kind: 'error'; status?: number; retryAfter?: string }
  | { kind: 'invalid-json' }
  | { kind: 'oversized'; bytes?: number; chunked?: boolean }
  | { kind: 'not-a-jwks' }
  | { kind: 'redirect'; location: string; status?: 301 | 302 | 303 | 307 | 308 }
  | { kind: 'redirect-loop'; status?: 301 | 302 | 303 | 307 | 308 }
  | { kind: 'wrong-use' }
  | { kind: 'empty-keys' }
  | { kind: 'respond'; status?: number; body: unknown; headers?: Readonly<Record<string, string>> };

/** Which endpoints a fault applies to: `all` is the JWKS and discovery; `token` is the token endpoint alone. */
export type FaultTarget = 'jwks' | 'discovery' | 'all' | 'token';

/** How many requests each endpoint of the issuer has served (faulty ones included). */
export interface IssuerRequestCounts {
  /** GET requests to the JWKS endpoint. */
  jwks: number;
  /** GET requests to either discovery document. */
  discovery: number;
  /** Requests to the token endpoint (`POST {issuer}/oauth/token`). */
  token: number;
  /** Requests to the introspection endpoint (`POST {issuer}/oauth/introspect`). */
  introspection: number;
  /** Every request, including unknown paths. */
  total: number;
}

export interface IssuerRoutes {
  /** Path → body producer for discovery documents. */
  discovery: Map<string, () => unknown>;
  jwksPath: string;
  jwks: () => unknown;
  /** Path → handler of other endpoints (any method), counted under `count`. Faults do not apply to them. */
  endpoints?: Map<string, { count: Exclude<keyof IssuerRequestCounts, 'total'>; handle: (req: IncomingMessage, res: ServerResponse) => void }>;
}

/** A running HTTP server for the issuer's endpoints. */
export class IssuerServer {
  readonly counts: IssuerRequestCounts = { jwks: 0, discovery: 0, token: 0, introspection: 0, total: 0 };
  #fault: { fault: IssuerFault; target: FaultTarget; times: number } | null = null;
  /** Extra headers of the JWKS and discovery responses (caching headers, for instance). */
  #extraHeaders: Record<'jwks' | 'discovery', Readonly<Record<string, string>>> = { jwks: {}, discovery: {} };
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #routes: IssuerRoutes | undefined;

  private constructor(server: Server) {
    this.#server = server;
    server.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
    server.on('request', (req, res) => this.#handle(req, res));
  }

  /** Starts a server on an ephemeral port of 127.0.0.1. */
  static async listen(): Promise<IssuerServer> {
    const server = createServer();
    // Longer than any client's keep-alive (undici: 4 s), so a client never reuses a connection the issuer is
    // closing at that moment: on a loaded machine that race was an ECONNRESET in a test with no retries.
    server.keepAliveTimeout = 30_000;
    const instance = new IssuerServer(server);
    await new Promise<void>((resolve, reject) => {
      instance.#server.once('error', reject);
      instance.#server.listen(0, '127.0.0.1', () => resolve());
    });
    return instance;
  }

  get origin(): string {
    const { port } = this.#server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  setRoutes(routes: IssuerRoutes): void {
    this.#routes = routes;
  }

  setFault(fault: IssuerFault | null, target: FaultTarget = 'all', times = Infinity): void {
    this.#fault = fault ? { fault, target, times } : null;
  }

  /** The active fault for `kind`, counting one use (a fault with `times` left clears itself after the last). */
  #takeFault(kind: FaultTarget): IssuerFault | undefined {
    const active = this.#fault;
    if (!active || !(active.target === kind || (active.target === 'all' && kind !== 'token'))) return undefined;
    active.times -= 1;
    if (active.times <= 0) this.#fault = null;
    return active.fault;
  }

  setResponseHeaders(headers: Readonly<Record<string, string>> | null, target: FaultTarget = 'all'): void {
    const value = Object.freeze({ ...(headers ?? {}) });
    if (target === 'all' || target === 'jwks') this.#extraHeaders.jwks = value;
    if (target === 'all' || target === 'discovery') this.#extraHeaders.discovery = value;
  }

  /** Stops listening, drops open connections and cancels held responses. */
  async close(): Promise<void> {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    this.counts.total += 1;
    const routes = this.#routes;
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const endpoint = routes?.endpoints?.get(path);
    if (endpoint) {
      this.counts[endpoint.count] += 1;
      const fault = endpoint.count === 'token' ? this.#takeFault('token') : undefined;
      if (fault?.kind === 'slow') {
        const timer = setTimeout(() => {
          this.#timers.delete(timer);
          if (!res.destroyed) endpoint.handle(req, res);
        }, fault.delayMs ?? 5000);
        this.#timers.add(timer);
      } else if (fault) {
        req.resume();
        this.#misbehave(fault, res, () => ({}), {});
      } else {
        endpoint.handle(req, res);
      }
      return;
    }
    let kind: 'jwks' | 'discovery' | undefined;
    let body: (() => unknown) | undefined;
    if (routes && path === routes.jwksPath) {
      kind = 'jwks';
      body = routes.jwks;
    } else if (routes?.discovery.has(path)) {
      kind = 'discovery';
      body = routes.discovery.get(path);
    }
    if (!kind || !body || req.method !== 'GET') {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not_found"}');
      return;
    }
    this.counts[kind] += 1;
    const extra = this.#extraHeaders[kind];
    const fault = this.#takeFault(kind);
    if (fault) {
      this.#misbehave(fault, res, body, extra);
      return;
    }
    sendJson(res, 200, body(), extra);
  }

  #misbehave(fault: IssuerFault, res: ServerResponse, body: () => unknown, extra: Readonly<Record<string, string>>): void {
    switch (fault.kind) {
      case 'down':
        res.socket?.destroy();
        return;
      case 'slow': {
        const timer = setTimeout(() => {
          this.#timers.delete(timer);
          sendJson(res, 200, body(), extra);
        }, fault.delayMs ?? 5000);
        this.#timers.add(timer);
        return;
      }
      case 'error':
        sendJson(res, fault.status ?? 500, { error: 'server_error' }, fault.retryAfter === undefined ? {} : { 'retry-after': fault.retryAfter });
        return;
      case 'respond': {
        const text = typeof fault.body === 'string' ? fault.body : JSON.stringify(fault.body);
        res.writeHead(fault.status ?? 200, { 'content-type': 'application/json', ...fault.headers, 'content-length': Buffer.byteLength(text) });
        res.end(text);
        return;
      }
      case 'invalid-json':
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys": [ this is not json');
        return;
      case 'oversized': {
        const size = Math.max(PADDED_FRAME.length, fault.bytes ?? 2 * 1024 * 1024);
        const headers: Record<string, string | number> = { 'content-type': 'application/json' };
        // Without Content-Length Node sends the body chunked: nothing up front tells the client its size.
        if (!fault.chunked) headers['content-length'] = size;
        res.writeHead(200, headers);
        streamPadded(res, size);
        return;
      }
      case 'not-a-jwks':
        sendJson(res, 200, { hello: 'world' });
        return;
      case 'redirect':
        res.writeHead(fault.status ?? 302, { location: fault.location, 'content-length': 0 }).end();
        return;
      case 'redirect-loop': {
        // Two URLs of the same endpoint point at each other, as two misconfigured proxies would.
        const url = new URL(res.req.url ?? '/', 'http://127.0.0.1');
        if (url.searchParams.has('redirected')) url.searchParams.delete('redirected');
        else url.searchParams.set('redirected', '1');
        res.writeHead(fault.status ?? 302, { location: `${url.pathname}${url.search}`, 'content-length': 0 }).end();
        return;
      }
      case 'wrong-use':
        sendJson(res, 200, markKeysForEncryption(body()));
        return;
      case 'empty-keys':
        sendJson(res, 200, { keys: [] });
        return;
    }
  }
}

// `{"keys":[],"padding":""}`: the padding makes up the rest of an oversized body.
const PADDED_FRAME = '{"keys":[],"padding":""}';
const PADDING = Buffer.alloc(64 * 1024, 'x');

/** Writes a valid JSON body of exactly `size` bytes, waiting for the client to drain each write. */
function streamPadded(res: ServerResponse, size: number): void {
  res.write('{"keys":[],"padding":"');
  let left = size - PADDED_FRAME.length;
  const pump = (): void => {
    while (left > 0) {
      // A client whose size cap gave up closed the connection: stop writing (no 'drain' will come).
      if (res.destroyed) return;
      const length = Math.min(left, PADDING.length);
      left -= length;
      if (!res.write(length === PADDING.length ? PADDING : PADDING.subarray(0, length))) {
        res.once('drain', pump);
        return;
      }
    }
    if (!res.destroyed) res.end('"}');
  };
  pump();
}

/** The document with every key in `keys` marked for encryption; other documents as they are. */
function markKeysForEncryption(document: unknown): unknown {
  const keys = (document as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) return document;
  return { ...(document as object), keys: keys.map((key: unknown) => ({ ...(key as object), use: 'enc' })) };
}

function sendJson(res: ServerResponse, status: number, value: unknown, extra: Readonly<Record<string, string>> = {}): void {
  const text = JSON.stringify(value);
  res.writeHead(status, { ...extra, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
