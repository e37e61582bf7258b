// Timing one library once: verifications one after the other, or with a fixed number in flight.
import { performance } from 'node:perf_hooks';

/** Verifies `count` tokens one after the other (tokens[i % length]); returns ops/s. */
export async function timeSequential(verify, tokens, count) {
  const start = performance.now();
  for (let i = 0; i < count; i++) await verify(tokens[i % tokens.length]);
  return count / ((performance.now() - start) / 1000);
}

/**
 * Verifies `tokens` with `inFlight` verifications under way at any time (a sliding window, as an HTTP
 * server with that many concurrent requests would); returns ops/s. A synchronous verifier runs them one
 * by one anyway; one that works off the event loop (a thread pool) can use a second core.
 */
export async function timeConcurrent(verify, tokens, inFlight) {
  let next = 0;
  const worker = async () => {
    while (next < tokens.length) await verify(tokens[next++]);
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: Math.min(inFlight, tokens.length) }, worker));
  return tokens.length / ((performance.now() - start) / 1000);
}
