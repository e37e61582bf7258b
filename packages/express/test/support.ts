// Test helpers: a real HTTP server on 127.0.0.1 for an Express app, closed with its connections.
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A server listening on an ephemeral port of 127.0.0.1. */
export interface Served {
  /** `http://127.0.0.1:<port>`, for supertest. */
  url: string;
  close(): Promise<void>;
}

/** Serves `app` on 127.0.0.1 until `close()`. */
export async function serve(app: RequestListener): Promise<Served> {
  const server = createServer(app);
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

/** Verifier options for a `@tollgate/testing` issuer. */
export function optionsFor(issuer: { issuer: string; audience: string }) {
  return { issuer: issuer.issuer, audience: issuer.audience, allowInsecureRequests: true };
}

/** What a response body gives away that it must not: a stack trace, a source path, the token. Empty when clean. */
export function leaks(body: string, token?: string): string[] {
  const found: string[] = [];
  for (const needle of ['/src/', '.ts:', '.js:', 'node_modules', 'file://', '/work/']) if (body.includes(needle)) found.push(needle);
  // A stack frame, plain or as finalhandler's HTML renders it (spaces turned into &nbsp;).
  if (/(\n|<br>)\s*(&nbsp;|\s)*at /.test(body)) found.push('a stack frame');
  if (token && body.includes(token)) found.push('the token');
  const signature = token?.split('.')[2];
  if (signature && body.includes(signature)) found.push('the token signature');
  return found;
}
