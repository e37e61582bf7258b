// GETs a JSON document with a timeout and a size cap: an issuer endpoint must never hang or flood us.
import type { JwksProblem } from '../audit-events.js';
import { abortOf, BodyReadError, discard, readCappedBody } from './read-capped-body.js';

export interface FetchJsonOptions {
  fetch: typeof globalThis.fetch;
  timeoutSeconds: number;
  maxBytes: number;
}

/**
 * Why a document could not be had; the message is safe to log (it names the URL, never a body).
 * `problem`: `configuration` when waiting will not help (the message says what to set), else `endpoint`.
 */
export class FetchJsonError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    readonly problem: JwksProblem = 'endpoint',
  ) {
    super(message);
    this.name = 'FetchJsonError';
  }
}

/** A fetched JSON document and the response's headers (their caching headers say how long it is fresh). */
export interface FetchedJson {
  readonly document: unknown;
  readonly headers: Pick<Headers, 'get'>;
}

/**
 * Fetches and parses `url`. Redirects are refused: the configured URL is the one that is trusted.
 * The timeout bounds the whole exchange even when `options.fetch` (or the body it returns) ignores
 * the abort signal: every await below races it.
 */
export async function fetchJson(url: string, options: FetchJsonOptions): Promise<unknown> {
  return (await fetchJsonDocument(url, options)).document;
}

/** {@link fetchJson}, with the response's headers. */
export async function fetchJsonDocument(url: string, options: FetchJsonOptions): Promise<FetchedJson> {
  const timeoutMs = Math.max(1, Math.round(options.timeoutSeconds * 1000));
  const signal = AbortSignal.timeout(timeoutMs);
  const aborted = abortOf(signal);
  let response: Response;
  try {
    response = await Promise.race([options.fetch(url, { signal, redirect: 'error', headers: { accept: 'application/json' } }), aborted]);
  } catch (error) {
    if (signal.aborted) throw new FetchJsonError(`GET ${url} timed out after ${timeoutMs} ms`);
    throw new FetchJsonError(`GET ${url} failed: ${(error as Error)?.message ?? 'network error'}`);
  }
  if (!response.ok) {
    // Not awaited: a body that cannot be cancelled must not hold the answer back.
    discard(response.body);
    throw new FetchJsonError(`GET ${url} responded ${response.status}`, response.status);
  }
  const text = await readCapped(response, options.maxBytes, url, signal, aborted);
  try {
    return { document: JSON.parse(text), headers: response.headers };
  } catch {
    throw new FetchJsonError(`GET ${url} returned invalid JSON`);
  }
}

async function readCapped(response: Response, maxBytes: number, url: string, signal: AbortSignal, aborted: Promise<never>): Promise<string> {
  try {
    return await readCappedBody(response, maxBytes, signal, aborted);
  } catch (error) {
    if (!(error instanceof BodyReadError)) throw error;
    const messages: Record<BodyReadError['problem'], string> = {
      declared_too_large: `GET ${url} body of ${error.declared} bytes exceeds maxResponseBytes (${maxBytes})`,
      too_large: `GET ${url} body exceeds maxResponseBytes (${maxBytes})`,
      timeout: `GET ${url} timed out while reading the body`,
      failed: `GET ${url} failed while reading the body`,
    };
    throw new FetchJsonError(messages[error.problem]);
  }
}
