// Helpers for the JWKS, discovery and fetch tests: an injectable clock, tiny local HTTP servers,
// and a way to capture a rejection so its fields can be asserted.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createTestIssuer, type TestIssuer, type TestIssuerOptions } from '@tollgate/testing';
import { afterAll, beforeAll, beforeEach, expect } from 'vitest';
import { InvalidTokenError } from '../../src/index.js';

/** A clock for the verifier's `now` option; it only moves when told to. */
export interface FakeClock {
  /** Milliseconds since the epoch, for the verifier's `now` option. */
  readonly now: () => number;
  /** The current time in whole epoch seconds, for `issuer.sign({}, { now })`. */
  seconds(): number;
  /** Moves the clock forward by `seconds` (fractions allowed). */
  advance(seconds: number): void;
}

export function fakeClock(startMs: number = Date.now()): FakeClock {
  let ms = startMs;
  return {
    now: () => ms,
    seconds: () => Math.floor(ms / 1000),
    advance(seconds) {
      ms += Math.round(seconds * 1000);
    },
  };
}

/** A small HTTP server on 127.0.0.1 that records the paths it was asked for. */
export interface LocalServer {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  /** Request paths in arrival order. */
  readonly requests: string[];
  /** Connections that are still open. */
  openSockets(): number;
  /** Connections accepted so far, open or closed (a client that connected but sent nothing counts). */
  connections(): number;
  close(): Promise<void>;
}

export async function startServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<LocalServer> {
  const requests: string[] = [];
  const sockets = new Set<Socket>();
  let connections = 0;
  const server = createServer((req, res) => {
    requests.push(req.url ?? '');
    handler(req, res);
  });
  server.on('connection', (socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    openSockets: () => sockets.size,
    connections: () => connections,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Awaits `promise`, which must reject, and returns what it rejected with. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject, but it resolved');
}

/** A fetch that can hold JWKS responses after the issuer answered them, as network latency would. */
export interface HeldJwksFetch {
  readonly fetch: typeof fetch;
  /** From now on, JWKS responses wait until {@link HeldJwksFetch.release}. */
  hold(): void;
  /** Lets the held responses (and all later ones) through. */
  release(): void;
}

/** Creates a {@link HeldJwksFetch} over the global fetch. */
export function heldJwksFetch(): HeldJwksFetch {
  let gate: Promise<void> | undefined;
  let open = () => {};
  return {
    fetch: async (url, init) => {
      const response = await fetch(url, init);
      if (String(url).endsWith('/jwks.json') && gate) await gate;
      return response;
    },
    hold() {
      gate = new Promise((resolve) => (open = resolve));
    },
    release() {
      gate = undefined;
      open();
    },
  };
}

/** Awaits `promise`, which must reject with an InvalidTokenError (a 401), and returns that error. */
export async function tokenRefusal(promise: Promise<unknown>): Promise<InvalidTokenError> {
  const error = await rejectionOf(promise);
  expect(error).toBeInstanceOf(InvalidTokenError);
  return error as InvalidTokenError;
}

/** Polls `condition` every 5 ms for at most `timeoutMs`; true when it became true. */
export async function eventually(condition: () => boolean, timeoutMs = 2000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return condition();
}

/**
 * Starts one test issuer for the file (closed after it) and resets its faults and request counts
 * before each test; `reset` adds a file's own resets. Hands the issuer over through `ready`.
 */
export function useIssuer(options: TestIssuerOptions, ready: (issuer: TestIssuer) => void, reset?: (issuer: TestIssuer) => void): void {
  let issuer: TestIssuer | undefined;
  beforeAll(async () => {
    issuer = await createTestIssuer(options);
    ready(issuer);
  });
  afterAll(() => issuer?.close());
  beforeEach(() => {
    issuer!.setFault(null);
    reset?.(issuer!);
    issuer!.resetRequests();
  });
}
