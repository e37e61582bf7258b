// Helpers for the JWKS, discovery and fetch tests: an injectable clock, tiny local HTTP servers, a way
// to capture a rejection so its fields can be asserted, and a count of completed JWKS fetches.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createTestIssuer, type TestIssuer, type TestIssuerOptions } from '@tollgate/testing';
import { afterAll, beforeAll, beforeEach, expect, onTestFinished } from 'vitest';
import { InvalidTokenError, JWKS_CHANNEL, type JwksEvent } from '../../src/index.js';

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

/** Counts the JWKS fetches that completed (good or failed), from the `tollgate:jwks` audit events. */
export interface JwksFetches {
  /** The events so far. */
  readonly events: readonly JwksEvent[];
  /** Resolves once `count` fetches have completed: a background refresh has landed. */
  settled(count: number, timeoutMs?: number): Promise<void>;
}

/**
 * Counts JWKS fetches for the rest of the test (of every verifier: one test at a time per file).
 * @example const fetches = jwksFetches(); ...; await fetches.settled(2);
 */
export function jwksFetches(): JwksFetches {
  const events: JwksEvent[] = [];
  const onEvent = (event: unknown) => events.push(event as JwksEvent);
  subscribe(JWKS_CHANNEL, onEvent);
  onTestFinished(() => {
    unsubscribe(JWKS_CHANNEL, onEvent);
  });
  return {
    events,
    async settled(count, timeoutMs = 5000) {
      if (!(await eventually(() => events.length >= count, timeoutMs))) throw new Error(`expected ${count} JWKS fetches, saw ${events.length}`);
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
