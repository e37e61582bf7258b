// A decoy key server on 127.0.0.1 that tokens name in jku/x5u: it serves the attacker's keys and counts
// every request, so a test can prove that no token ever made tollgate fetch a URL it carries.
import type { JWK } from 'jose';
import { startServer } from '../../packages/core/test/support/jwks-support.js';

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
  const server = await startServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: keys() }));
  });
  return {
    origin: server.origin,
    // A connection alone counts too: a verifier that only opened one would still have followed the URL.
    get requests() {
      return Math.max(server.requests.length, server.connections());
    },
    close: () => server.close(),
  };
}
