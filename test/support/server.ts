// Real HTTP servers on 127.0.0.1 for the tests, closed together with their connections.
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';

/** A server listening on an ephemeral port of 127.0.0.1. */
export interface Served {
  /** `http://127.0.0.1:<port>`, for supertest. */
  url: string;
  close(): Promise<void>;
}

/** Serves a request listener (an Express app, a Koa app's `callback()`) on 127.0.0.1 until `close()`. */
export async function serve(listener: RequestListener): Promise<Served> {
  const server = createServer(listener);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Starts a Fastify app on 127.0.0.1 until `close()`. */
export async function serveFastify(app: FastifyInstance): Promise<Served> {
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    url,
    async close() {
      await app.close();
    },
  };
}
