// fetchJson against small real HTTP servers on 127.0.0.1: timeout, size cap, status, JSON, redirects.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { fetchJson, FetchJsonError, type FetchJsonOptions } from '../src/lib/fetch-json.js';
import { eventually, rejectionOf, startServer, type LocalServer } from './support/jwks-support.js';

const servers: LocalServer[] = [];
async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<LocalServer> {
  const server = await startServer(handler);
  servers.push(server);
  return server;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

const options = (overrides: Partial<FetchJsonOptions> = {}): FetchJsonOptions => ({
  fetch: globalThis.fetch,
  timeoutSeconds: 2,
  maxBytes: 4096,
  ...overrides,
});

async function fetchError(url: string, opts: FetchJsonOptions): Promise<FetchJsonError> {
  const error = await rejectionOf(fetchJson(url, opts));
  expect(error).toBeInstanceOf(FetchJsonError);
  return error as FetchJsonError;
}

describe('fetchJson', () => {
  it('returns the parsed document and asks for JSON', async () => {
    let accept: string | undefined;
    const server = await serve((req, res) => {
      accept = req.headers.accept;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys":[{"kid":"a"}]}');
    });
    await expect(fetchJson(`${server.origin}/jwks`, options())).resolves.toEqual({ keys: [{ kid: 'a' }] });
    expect(accept).toBe('application/json');
    expect(server.requests).toEqual(['/jwks']);
  });

  describe('timeout', () => {
    it('gives up when no response arrives within the timeout', async () => {
      const server = await serve(() => {
        // never answers; the socket is destroyed when the server closes
      });
      const url = `${server.origin}/hang`;
      const started = performance.now();
      const error = await fetchError(url, options({ timeoutSeconds: 0.2 }));
      const elapsed = performance.now() - started;
      expect(error.message).toBe(`GET ${url} timed out after 200 ms`);
      expect(error.status).toBeUndefined();
      expect(elapsed).toBeGreaterThanOrEqual(150);
      expect(elapsed).toBeLessThan(1500);
    });

    it('gives up when the body stalls after the headers', async () => {
      const server = await serve((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"keys":[');
      });
      const url = `${server.origin}/stall`;
      const started = performance.now();
      const error = await fetchError(url, options({ timeoutSeconds: 0.2 }));
      expect(error.message).toBe(`GET ${url} timed out while reading the body`);
      expect(performance.now() - started).toBeLessThan(1500);
    });

    it('a body that trickles in slower than the timeout allows is cut off', async () => {
      const server = await serve((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        let sent = 0;
        const timer = setInterval(() => {
          if (res.destroyed || sent >= 100) {
            clearInterval(timer);
            if (!res.destroyed) res.end('0]');
            return;
          }
          res.write(sent === 0 ? '[' : '0,');
          sent += 1;
        }, 20);
        res.on('close', () => clearInterval(timer));
      });
      const url = `${server.origin}/trickle`;
      const started = performance.now();
      const error = await fetchError(url, options({ timeoutSeconds: 0.2 }));
      expect(error.message).toBe(`GET ${url} timed out while reading the body`);
      expect(performance.now() - started).toBeLessThan(1500);
    });
  });

  describe('timeout with a fetch that ignores the abort signal', () => {
    // The fetch option may be any function (a proxy agent, a test double): the timeout must not rely on it.
    it('gives up on a fetch that never settles', async () => {
      const hanging: typeof fetch = () => new Promise<Response>(() => {});
      const started = performance.now();
      const error = await fetchError('https://keys.example/jwks', options({ fetch: hanging, timeoutSeconds: 0.2 }));
      expect(error.message).toBe('GET https://keys.example/jwks timed out after 200 ms');
      expect(performance.now() - started).toBeLessThan(1500);
    });

    it('gives up on a body stream that never ends, and on an error response whose body cannot be cancelled', async () => {
      const stream = () => new ReadableStream<Uint8Array>({ pull: () => new Promise(() => {}), cancel: () => new Promise(() => {}) });
      const stalled: typeof fetch = async () => new Response(stream(), { status: 200 });
      const error = await fetchError('https://keys.example/jwks', options({ fetch: stalled, timeoutSeconds: 0.2 }));
      expect(error.message).toBe('GET https://keys.example/jwks timed out while reading the body');
      const failing: typeof fetch = async () => new Response(stream(), { status: 503 });
      const started = performance.now();
      expect((await fetchError('https://keys.example/jwks', options({ fetch: failing, timeoutSeconds: 0.2 }))).message).toBe('GET https://keys.example/jwks responded 503');
      expect(performance.now() - started).toBeLessThan(150);
    });
  });

  describe('size cap', () => {
    it('refuses a declared content-length over maxBytes', async () => {
      const body = JSON.stringify({ padding: 'x'.repeat(5000 - 14) });
      expect(Buffer.byteLength(body)).toBe(5000);
      const server = await serve((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': 5000 }).end(body);
      });
      const url = `${server.origin}/big`;
      const error = await fetchError(url, options({ maxBytes: 1024 }));
      expect(error.message).toBe(`GET ${url} body of 5000 bytes exceeds maxResponseBytes (1024)`);
      expect(error.message).not.toContain('xxxx');
    });

    it('cuts off a streamed body without content-length once it passes maxBytes, and closes the connection', async () => {
      let chunksWritten = 0;
      let closed = false;
      const server = await serve((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' }); // chunked, no content-length
        res.write('{"padding":"');
        const chunk = 'x'.repeat(1024);
        const timer = setInterval(() => {
          // Endless on purpose (bounded for safety): only the client's cap ends it.
          if (res.destroyed || chunksWritten >= 10_000) return clearInterval(timer);
          res.write(chunk);
          chunksWritten += 1;
        }, 2);
        res.on('close', () => {
          closed = true;
          clearInterval(timer);
        });
      });
      const url = `${server.origin}/stream`;
      const error = await fetchError(url, options({ maxBytes: 4096 }));
      expect(error.message).toBe(`GET ${url} body exceeds maxResponseBytes (4096)`);
      expect(await eventually(() => closed)).toBe(true);
      expect(chunksWritten).toBeLessThan(1000);
    });

    it.each([
      ['with content-length', true],
      ['streamed', false],
    ])('accepts a body of exactly maxBytes (%s)', async (_name, withLength) => {
      const body = JSON.stringify({ padding: 'y'.repeat(1024 - 14) });
      expect(Buffer.byteLength(body)).toBe(1024);
      const server = await serve((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json', ...(withLength ? { 'content-length': 1024 } : {}) });
        if (withLength) res.end(body);
        else {
          res.write(body.slice(0, 500));
          res.end(body.slice(500));
        }
      });
      await expect(fetchJson(`${server.origin}/exact`, options({ maxBytes: 1024 }))).resolves.toEqual({ padding: 'y'.repeat(1010) });
      await expect(fetchJson(`${server.origin}/exact`, options({ maxBytes: 1023 }))).rejects.toThrow(/exceeds maxResponseBytes \(1023\)/);
    });

    it('counts bytes, not characters', async () => {
      const body = JSON.stringify({ s: 'é'.repeat(600) }); // 1200 bytes of é, 608 characters
      const server = await serve((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(body);
      });
      await expect(fetchJson(`${server.origin}/utf8`, options({ maxBytes: 1024 }))).rejects.toThrow(FetchJsonError);
      await expect(fetchJson(`${server.origin}/utf8`, options({ maxBytes: 2048 }))).resolves.toEqual({ s: 'é'.repeat(600) });
    });
  });

  describe('status', () => {
    it.each([400, 401, 404, 429, 500, 502, 503])('refuses HTTP %i, with the status on the error and no body in the message', async (status) => {
      const server = await serve((_req, res) => {
        res.writeHead(status, { 'content-type': 'application/json' }).end('{"keys":[],"secret":"body-text-123"}');
      });
      const url = `${server.origin}/status`;
      const error = await fetchError(url, options());
      expect(error.message).toBe(`GET ${url} responded ${status}`);
      expect(error.status).toBe(status);
    });

    it.each([301, 302, 303, 307, 308])('refuses a %i redirect and never requests its target', async (status) => {
      const target = await serve((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys":[]}');
      });
      const server = await serve((_req, res) => {
        res.writeHead(status, { location: `${target.origin}/jwks.json` }).end();
      });
      const url = `${server.origin}/moved`;
      const error = await fetchError(url, options());
      expect(error.message.startsWith(`GET ${url} `)).toBe(true);
      expect(server.requests).toEqual(['/moved']);
      expect(target.requests).toEqual([]);
    });
  });

  describe('content', () => {
    it('refuses a body that is not JSON, without echoing it', async () => {
      const server = await serve((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' }).end('<html>secret-page-789</html>');
      });
      const url = `${server.origin}/html`;
      const error = await fetchError(url, options());
      expect(error.message).toBe(`GET ${url} returned invalid JSON`);
      expect(error.message).not.toContain('secret-page-789');
    });

    it('refuses an empty 200 body as invalid JSON', async () => {
      const server = await serve((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' }).end();
      });
      const url = `${server.origin}/empty`;
      expect((await fetchError(url, options())).message).toBe(`GET ${url} returned invalid JSON`);
    });
  });

  describe('connection failures', () => {
    it('reports a refused connection', async () => {
      const server = await serve(() => {});
      const url = `${server.origin}/gone`;
      await server.close();
      const error = await fetchError(url, options());
      expect(error.message.startsWith(`GET ${url} failed: `)).toBe(true);
    });

    it('reports a connection reset before any response', async () => {
      const server = await serve((req) => {
        req.socket.destroy();
      });
      const url = `${server.origin}/reset`;
      const error = await fetchError(url, options());
      expect(error.message.startsWith(`GET ${url} failed: `)).toBe(true);
      expect(server.requests).toEqual(['/reset']);
    });
  });
});
