// A fetch over node:https that presents the client's TLS certificate (RFC 8705 mutual TLS), through one keep-alive agent.
import { Agent, request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';

/** What the TLS connection presents and trusts. */
export interface TlsCredentials {
  /** The client certificate chain, PEM. */
  readonly cert: string | Buffer;
  /** Its private key, PEM (or a KeyObject exported to PEM). */
  readonly key: string | Buffer;
  /** CAs to trust for the servers, besides Node's; `undefined`: Node's defaults. */
  readonly ca: readonly (string | Buffer)[] | undefined;
}

// Bodies without content (RFC 9110 sections 15.3.5 and 15.4.5): a Response with a body would throw.
const NULL_BODY = new Set([204, 205, 304]);

/**
 * A `fetch` whose every connection presents `credentials`. Redirects are never followed (the caller sees
 * the 3xx), only `https:` URLs are accepted: a client certificate over plain http proves nothing.
 */
export function createTlsFetch(credentials: TlsCredentials): typeof fetch & { close(): void } {
  const agent = new Agent({ keepAlive: true, cert: credentials.cert, key: credentials.key, ...(credentials.ca && { ca: [...credentials.ca] }) });
  const tlsFetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    if (url.protocol !== 'https:') throw new TypeError(`mutual TLS needs an https URL, not ${url.protocol}`);
    const body = request.body === null ? undefined : Buffer.from(await request.arrayBuffer());
    const headers: Record<string, string> = {};
    request.headers.forEach((value, name) => {
      headers[name] = value;
    });
    if (body !== undefined) headers['content-length'] = String(body.length);
    return new Promise<Response>((resolve, reject) => {
      const outgoing = httpsRequest(url, { method: request.method, headers, agent, signal: request.signal }, (incoming) => {
        const responseHeaders = new Headers();
        for (const [name, value] of Object.entries(incoming.headers)) {
          if (value === undefined) continue;
          for (const item of Array.isArray(value) ? value : [value]) responseHeaders.append(name, item);
        }
        const status = incoming.statusCode ?? 502;
        if (NULL_BODY.has(status)) incoming.resume();
        resolve(new Response(NULL_BODY.has(status) ? null : (Readable.toWeb(incoming) as ReadableStream<Uint8Array>), { status, statusText: incoming.statusMessage ?? '', headers: responseHeaders }));
      });
      outgoing.on('error', (error) => reject(new TypeError('fetch failed', { cause: error })));
      outgoing.end(body);
    });
  };
  return Object.assign(tlsFetch, { close: () => agent.destroy() });
}
