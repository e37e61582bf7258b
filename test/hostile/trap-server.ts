// A decoy key server on 127.0.0.1 that tokens name in jku/x5u: it serves the attacker's keys and counts
// every request, so a test can prove that no token ever made tollgate fetch a URL it carries.
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { JWK } from 'jose';

/** The running decoy. */
export interface TrapServer {
  /** `http://127.0.0.1:<port>`. */
  readonly origin: string;
  /** Requests (or bare connections, whichever is more) received so far, on any path. */
  readonly requests: number;
  close(): Promise<void>;
}

/**
 * Starts a server that answers every request with `{ keys: keys() }`: were a verifier to follow a token's `jku`,
 * the attacker's signature would verify, so a passing test means it was never followed.
 * @example
 * const trap = await startTrapServer(() => [attacker.publicJwk]);
 * // ... tokens with "jku": `${trap.origin}/jwks.json` ...
 * expect(trap.requests).toBe(0);
 * await trap.close();
 * @see RFC 8725 section 3.10 (do not trust URLs in the token)
 */
export async function startTrapServer(keys: () => readonly JWK[]): Promise<TrapServer> {
  let requests = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((_req, res) => {
    requests += 1;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: keys() }));
  });
  // A connection alone counts too: a verifier that only opened one would still have followed the URL.
  let connections = 0;
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
    get requests() {
      return Math.max(requests, connections);
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
