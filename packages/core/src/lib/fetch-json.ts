// GETs a JSON document with a timeout and a size cap: an issuer endpoint must never hang or flood us.

export interface FetchJsonOptions {
  fetch: typeof globalThis.fetch;
  timeoutSeconds: number;
  maxBytes: number;
}

/** Why a document could not be had; the message is safe to log (it names the URL, never a body). */
export class FetchJsonError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'FetchJsonError';
  }
}

/** Fetches and parses `url`. Redirects are refused: the configured URL is the one that is trusted. */
export async function fetchJson(url: string, options: FetchJsonOptions): Promise<unknown> {
  const timeoutMs = Math.max(1, Math.round(options.timeoutSeconds * 1000));
  const signal = AbortSignal.timeout(timeoutMs);
  let response: Response;
  try {
    response = await options.fetch(url, { signal, redirect: 'error', headers: { accept: 'application/json' } });
  } catch (error) {
    if (signal.aborted) throw new FetchJsonError(`GET ${url} timed out after ${timeoutMs} ms`);
    throw new FetchJsonError(`GET ${url} failed: ${(error as Error)?.message ?? 'network error'}`);
  }
  if (!response.ok) {
    await response.body?.cancel().catch(() => {});
    throw new FetchJsonError(`GET ${url} responded ${response.status}`, response.status);
  }
  const text = await readCapped(response, options.maxBytes, url, signal);
  try {
    return JSON.parse(text);
  } catch {
    throw new FetchJsonError(`GET ${url} returned invalid JSON`);
  }
}

async function readCapped(response: Response, maxBytes: number, url: string, signal: AbortSignal): Promise<string> {
  const declared = Number(response.headers.get('content-length'));
  if (declared > maxBytes) {
    await response.body?.cancel().catch(() => {});
    throw new FetchJsonError(`GET ${url} body of ${declared} bytes exceeds maxResponseBytes (${maxBytes})`);
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel().catch(() => {});
        throw new FetchJsonError(`GET ${url} body exceeds maxResponseBytes (${maxBytes})`);
      }
      chunks.push(value);
    }
  } catch (error) {
    if (error instanceof FetchJsonError) throw error;
    if (signal.aborted) throw new FetchJsonError(`GET ${url} timed out while reading the body`);
    throw new FetchJsonError(`GET ${url} failed while reading the body`);
  }
  return Buffer.concat(chunks).toString('utf8');
}
