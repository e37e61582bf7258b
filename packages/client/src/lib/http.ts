// One HTTP exchange within a deadline and a size cap: the request, then the body read as text (core's capped reader).
import { BodyReadError, readCappedBody } from '@tollgate/core';

/** An answer, its body read in full (at most the cap). */
export interface HttpAnswer {
  readonly status: number;
  readonly headers: Pick<Headers, 'get'>;
  readonly text: string;
}

/** Why there is no answer: no response in time, a network error, or a body over the cap. */
export class HttpFailure extends Error {
  constructor(
    readonly problem: 'timeout' | 'network' | 'too_large',
    options?: { cause?: unknown },
  ) {
    super(problem === 'timeout' ? 'no answer in time' : problem === 'network' ? 'network error' : 'response too large', options);
    this.name = 'HttpFailure';
  }
}

/** Sends `init` to `url` and reads the whole body as UTF-8 text, within `timeoutMs` and `maxBytes`. */
export async function exchange(fetchImpl: typeof fetch, url: string, init: RequestInit, timeoutMs: number, maxBytes: number): Promise<HttpAnswer> {
  const signal = AbortSignal.timeout(timeoutMs);
  // Every await races the deadline, so a fetch that ignores its signal cannot hold the caller either.
  const aborted = new Promise<never>((_, reject) => {
    signal.addEventListener('abort', () => reject(new HttpFailure('timeout')), { once: true });
  });
  aborted.catch(() => {});
  let response: Response;
  try {
    // Never follow a redirect with credentials in the request: RFC 6749 section 3.2 names one endpoint.
    response = await Promise.race([fetchImpl(url, { ...init, signal, redirect: 'manual' }), aborted]);
  } catch (error) {
    throw error instanceof HttpFailure ? error : new HttpFailure(signal.aborted ? 'timeout' : 'network', { cause: error });
  }
  try {
    return { status: response.status, headers: response.headers, text: await readCappedBody(response, maxBytes, signal, aborted) };
  } catch (error) {
    if (!(error instanceof BodyReadError)) throw error;
    throw new HttpFailure(error.problem === 'timeout' ? 'timeout' : error.problem === 'failed' ? 'network' : 'too_large', { cause: error });
  }
}

/** Cancels a body or reader without waiting, and without an unhandled rejection. */
export function cancel(body: { cancel(): Promise<void> } | null | undefined): void {
  try {
    body?.cancel().catch(() => {});
  } catch {
    // A locked or broken stream: nothing more to release.
  }
}

/** The JSON object in `text`, or `undefined` when it is not one. */
export function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
