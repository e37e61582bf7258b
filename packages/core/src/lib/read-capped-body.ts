// Reading an HTTP response within a deadline and a size cap: shared by every request tollgate sends (JWKS, discovery, introspection).

/** Why a body could not be read: its declared or actual size is over the cap, the deadline passed, or the stream failed. */
export type BodyProblem = 'declared_too_large' | 'too_large' | 'timeout' | 'failed';

/** A body that could not be read; each caller words it for its own request (`problem`, `declared` bytes). */
export class BodyReadError extends Error {
  constructor(
    readonly problem: BodyProblem,
    readonly declared = 0,
  ) {
    super(`response body: ${problem}`);
    this.name = 'BodyReadError';
  }
}

/** A promise that rejects when `signal` aborts, and is never an unhandled rejection. Every await races it. */
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
 * and reading stops at the first chunk past it. Throws {@link BodyReadError}; the stream is cancelled.
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
