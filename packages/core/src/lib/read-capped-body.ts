// Reading an HTTP response within a deadline and a size cap: shared by every request tollgate sends (JWKS, discovery, introspection, @tollgate/client).

/** Why a body could not be read: its declared or actual size is over the cap, the deadline passed, or the stream failed. */
export type BodyProblem = 'declared_too_large' | 'too_large' | 'timeout' | 'failed';

/**
 * A body that {@link readCappedBody} could not read; each caller words it for its own request.
 * @example if (error instanceof BodyReadError && error.problem === 'timeout') retryLater();
 */
export class BodyReadError extends Error {
  constructor(
    /** Why the body could not be read. */
    readonly problem: BodyProblem,
    /** The declared Content-Length, for `declared_too_large`; 0 otherwise. */
    readonly declared = 0,
  ) {
    super(`response body: ${problem}`);
    this.name = 'BodyReadError';
  }
}

/**
 * A promise that rejects when `signal` aborts, and is never an unhandled rejection. Every await races it.
 * @example const text = await readCappedBody(response, maxBytes, signal, abortOf(signal));
 */
export function abortOf(signal: AbortSignal): Promise<never> {
  const aborted = new Promise<never>((_, reject) => {
    signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
  });
  aborted.catch(() => {});
  return aborted;
}

/** Cancels a body or reader without waiting for it, and without an unhandled rejection if that fails. */
export function discard(body: { cancel(): Promise<void> } | null): void {
  try {
    body?.cancel().catch(() => {});
  } catch {
    // A locked or broken stream: nothing more to release here.
  }
}

/**
 * The body as UTF-8 text, at most `maxBytes`: a declared Content-Length over it is refused before reading,
 * and reading stops at the first chunk past it. Every read races `aborted` (see {@link abortOf}), so a
 * stream that stalls cannot outlive the caller's deadline. Throws {@link BodyReadError}; the stream is
 * cancelled. Shared by core's own requests and `@tollgate/client`; not meant for application code.
 * @param response - a fetch `Response` whose body has not been read
 * @param maxBytes - the cap on the body's size
 * @param signal - the request's deadline, to tell a timeout from a broken stream
 * @param aborted - a promise that rejects when `signal` aborts
 * @example
 * const signal = AbortSignal.timeout(5000);
 * const text = await readCappedBody(await fetch(url, { signal }), 64 * 1024, signal, abortOf(signal));
 */
export async function readCappedBody(response: Response, maxBytes: number, signal: AbortSignal, aborted: Promise<never>): Promise<string> {
  const declared = Number(response.headers.get('content-length'));
  if (declared > maxBytes) {
    discard(response.body);
    throw new BodyReadError('declared_too_large', declared);
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await Promise.race([reader.read(), aborted]);
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) throw new BodyReadError('too_large');
      chunks.push(value);
    }
  } catch (error) {
    discard(reader);
    if (error instanceof BodyReadError) throw error;
    throw new BodyReadError(signal.aborted ? 'timeout' : 'failed');
  }
  return Buffer.concat(chunks).toString('utf8');
}
