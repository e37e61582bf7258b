// The HTTP side of the test issuer: discovery documents and the JWKS on 127.0.0.1, with faults on demand.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A way for the issuer's endpoints to misbehave, for fault tests.
 * - `down`: the connection is reset before any response.
 * - `slow`: the response is held for `delayMs` (default 5000) before it is sent.
 * - `error`: an HTTP error status (default 500).
 * - `invalid-json`: a 200 whose body is not JSON.
 * - `oversized`: a 200 with a JSON body of `bytes` bytes (default 2 MiB).
 * - `not-a-jwks`: a 200 with valid JSON that is not a key set.
 */
export type IssuerFault =
  | { kind: 'down' }
  | { kind: 'slow'; delayMs?: number }
  | { kind: 'error'; status?: number }
  | { kind: 'invalid-json' }
  | { kind: 'oversized'; bytes?: number }
  | { kind: 'not-a-jwks' };

/** Which endpoints a fault applies to. */
export type FaultTarget = 'jwks' | 'discovery' | 'all';

/** How many requests each endpoint of the issuer has served (faulty ones included). */
export interface IssuerRequestCounts {
  jwks: number;
  discovery: number;
  /** Every request, including unknown paths. */
  total: number;
}

export interface IssuerRoutes {
  /** Path → body producer for discovery documents. */
  discovery: Map<string, () => unknown>;
  jwksPath: string;
  jwks: () => unknown;
}

/** A running HTTP server for the issuer's endpoints. */
export class IssuerServer {
  readonly counts: IssuerRequestCounts = { jwks: 0, discovery: 0, total: 0 };
  #fault: { fault: IssuerFault; target: FaultTarget } | null = null;
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
    const instance = new IssuerServer(createServer());
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

  setFault(fault: IssuerFault | null, target: FaultTarget = 'all'): void {
    this.#fault = fault ? { fault, target } : null;
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
    const active = this.#fault;
    if (active && (active.target === 'all' || active.target === kind)) {
      this.#misbehave(active.fault, res, body);
      return;
    }
    sendJson(res, 200, body());
  }

  #misbehave(fault: IssuerFault, res: ServerResponse, body: () => unknown): void {
    switch (fault.kind) {
      case 'down':
        res.socket?.destroy();
        return;
      case 'slow': {
        const timer = setTimeout(() => {
          this.#timers.delete(timer);
          sendJson(res, 200, body());
        }, fault.delayMs ?? 5000);
        this.#timers.add(timer);
        return;
      }
      case 'error':
        sendJson(res, fault.status ?? 500, { error: 'server_error' });
        return;
      case 'invalid-json':
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys": [ this is not json');
        return;
      case 'oversized': {
        const size = fault.bytes ?? 2 * 1024 * 1024;
        res.writeHead(200, { 'content-type': 'application/json' });
        // `{"keys":[],"padding":""}` is 24 bytes; the padding makes up the rest of `bytes`.
        res.end(`{"keys":[],"padding":"${'x'.repeat(Math.max(0, size - 24))}"}`);
        return;
      }
      case 'not-a-jwks':
        sendJson(res, 200, { hello: 'world' });
        return;
    }
  }
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const text = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
