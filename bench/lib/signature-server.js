// A bare node:http server on 127.0.0.1 that checks each request's Bearer token with one verify function.
import http from 'node:http';

const PREFIX = 'Bearer ';

/**
 * Starts the server on an ephemeral port: 200 when `verify(token)` returns or resolves, 401 otherwise
 * (no token, a bad signature). `verify` may be synchronous; `null` means no check (the HTTP ceiling).
 * Resolves `{ url, close() }`.
 */
export async function startVerifyServer(verify) {
  const reply = (res, status) => {
    res.writeHead(status, { 'content-type': 'text/plain', 'content-length': 2 });
    res.end(status === 200 ? 'ok' : 'no');
  };
  const server = http.createServer(async (req, res) => {
    if (verify === null) return reply(res, 200);
    const header = req.headers.authorization;
    if (!header?.startsWith(PREFIX)) return reply(res, 401);
    try {
      // A sync verify returns its payload here without an extra turn of the event loop.
      const result = verify(header.slice(PREFIX.length));
      if (result instanceof Promise) await result;
      reply(res, 200);
    } catch {
      reply(res, 401);
    }
  });
  server.keepAliveTimeout = 10_000;
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
