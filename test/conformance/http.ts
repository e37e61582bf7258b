// The one way the suite sends a request: node:http with a raw, flat header list, so a case can repeat
// a header (two Authorization headers), which supertest and fetch cannot do.
import { request, type IncomingHttpHeaders } from 'node:http';

/** A request as a case describes it. */
export interface SendRequest {
  method?: string;
  path: string;
  /** Query parameters; an array repeats the parameter. */
  query?: Readonly<Record<string, string | readonly string[]>>;
  /** Headers in order; a name may repeat. `Host` and `Connection: close` are added. */
  headers?: ReadonlyArray<readonly [name: string, value: string]>;
}

/** What came back. */
export interface SendResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

const TIMEOUT_MS = 5_000;

/** Sends `req` to the server on 127.0.0.1:`port` and reads the whole response (bounded by a timeout). */
export function send(port: number, req: SendRequest): Promise<SendResponse> {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(req.query ?? {})) {
    for (const item of typeof value === 'string' ? [value] : value) search.append(name, item);
  }
  const path = search.size > 0 ? `${req.path}?${search}` : req.path;
  // With a header array Node adds nothing itself, not even Host (which Node's server requires).
  const headers: string[] = ['Host', `127.0.0.1:${port}`, 'Connection', 'close'];
  for (const [name, value] of req.headers ?? []) headers.push(name, value);

  return new Promise<SendResponse>((resolve, reject) => {
    const outgoing = request({ host: '127.0.0.1', port, method: req.method ?? 'GET', path, headers, agent: false, timeout: TIMEOUT_MS }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
    });
    outgoing.on('timeout', () => outgoing.destroy(new Error(`no response from ${req.method ?? 'GET'} ${path} within ${TIMEOUT_MS} ms`)));
    outgoing.on('error', reject);
    outgoing.end();
  });
}
