// Delays between retries: exponential backoff with full jitter, and the server's Retry-After (RFC 9110 section 10.2.3).

/** A random delay in [0, min(max, initial * 2^attempt)) milliseconds ("full jitter"), so callers spread out. */
export function backoffDelay(attempt: number, initialMs: number, maxMs: number): number {
  return Math.random() * Math.min(maxMs, initialMs * 2 ** attempt);
}

/**
 * Milliseconds a `Retry-After` value asks to wait (delay-seconds or an HTTP-date), or `undefined`
 * when absent or malformed. Compared with the wall clock: the header is the server's real time.
 */
export function retryAfterMs(value: string | null): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d{1,10}$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  if (Number.isNaN(date) || !/[a-z]/i.test(text)) return undefined;
  return Math.max(0, date - Date.now());
}

/** Resolves after `ms` milliseconds, without keeping the process alive for it. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0) resolve();
    else setTimeout(resolve, ms).unref();
  });
}
