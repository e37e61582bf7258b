// Sends one HTTP/1.1 request byte for byte over a socket to 127.0.0.1: Node's own client refuses control
// characters and characters above U+00FF in a header, and oversized lines are exactly what we want to send.
import { connect } from 'node:net';
import type { IncomingHttpHeaders } from 'node:http';
import type { SendResponse } from '../conformance/http.js';

const TIMEOUT_MS = 5_000;

/** Splits a raw response into status, lower-cased headers and body (chunked bodies are decoded). */
function parse(raw: Buffer): SendResponse {
  const end = raw.indexOf('\r\n\r\n');
  const head = raw.subarray(0, end === -1 ? raw.length : end).toString('latin1');
  let body = end === -1 ? Buffer.alloc(0) : raw.subarray(end + 4);
  const [statusLine = '', ...lines] = head.split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0);
  const headers: IncomingHttpHeaders = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    const previous = headers[name];
    headers[name] = previous === undefined ? value : `${String(previous)}, ${value}`;
  }
  if (String(headers['transfer-encoding'] ?? '').toLowerCase() === 'chunked') {
    const chunks: Buffer[] = [];
    let offset = 0;
    for (;;) {
      const lineEnd = body.indexOf('\r\n', offset);
      if (lineEnd === -1) break;
      const size = Number.parseInt(body.subarray(offset, lineEnd).toString('latin1'), 16);
      if (!Number.isFinite(size) || size === 0) break;
      chunks.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
      offset = lineEnd + 2 + size + 2;
    }
    body = Buffer.concat(chunks);
  }
  return { status, headers, text: body.toString('utf8') };
}

/** One raw request: the target and Host as written, and header lines in order. */
export interface RawRequest {
  /** The request target, written as is (origin-form `/me`, absolute-form `http://x/me`, anything). */
  target: string;
  /** The Host header's value. Default: `127.0.0.1:<port>`. */
  host?: string;
  /** Header lines after Host, written as UTF-8. */
  headers?: ReadonlyArray<readonly [name: string, value: string]>;
}

/**
 * Sends `GET path` with `authorization` written as UTF-8 bytes, exactly as given, and reads the answer
 * until the server closes the connection (bounded by a timeout).
 * @example
 * const res = await sendRaw(port, '/me', 'Bearer abc\u0000def'); // Node's parser answers 400
 */
export function sendRaw(port: number, path: string, authorization: string): Promise<SendResponse> {
  return sendRawRequest(port, { target: path, headers: [['Authorization', authorization]] });
}

/**
 * Sends one GET byte for byte: the target and Host exactly as given (a Host with a path in it, an
 * absolute-form target), header values as UTF-8; reads the answer until the server closes (bounded).
 * @example await sendRawRequest(port, { target: '/me', host: `127.0.0.1:${port}/other?` })
 */
export function sendRawRequest(port: number, request: RawRequest): Promise<SendResponse> {
  const { target, host = `127.0.0.1:${port}`, headers = [] } = request;
  const head = Buffer.concat([
    Buffer.from(`GET ${target} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n`, 'latin1'),
    ...headers.map(([name, value]) => Buffer.concat([Buffer.from(`${name}: `, 'latin1'), Buffer.from(value, 'utf8'), Buffer.from('\r\n', 'latin1')])),
    Buffer.from('\r\n', 'latin1'),
  ]);
  return new Promise<SendResponse>((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect({ host: '127.0.0.1', port });
    let settled = false;
    const finish = (error?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      // A server that answers early (431) may reset the connection while we are still writing: keep its answer.
      if (chunks.length > 0) resolve(parse(Buffer.concat(chunks)));
      else reject(error ?? new Error(`no response from GET ${target}`));
    };
    const timer = setTimeout(() => finish(new Error(`no response from GET ${target} within ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => finish());
    socket.on('close', () => finish());
    socket.on('error', (error) => finish(error));
    socket.write(head);
  });
}
