// Load: autocannon against one target for a fixed time; requests/s, and every response must be a 200.
import autocannon from 'autocannon';

// Where each target (by port) is in the token pool. A target sees a token again only after the whole
// pool, more tokens than any library's cache holds, so in the pool scenario no cache can hit.
const poolPosition = new Map();

/**
 * Sends keep-alive GET /orders to 127.0.0.1:`port` for `seconds` (or `amount` requests, for warm-ups)
 * over `connections` connections; each
 * request carries the next token of `tokens` (one token: the same every time). Resolves requests/s;
 * rejects if any response was not a 200 or any request failed, so no number measures a failure path.
 */
export async function loadTest(port, tokens, { seconds, amount, connections }) {
  let next = poolPosition.get(port) ?? 0;
  const request =
    tokens.length === 1
      ? { method: 'GET', path: '/orders', headers: { authorization: `Bearer ${tokens[0]}` } }
      : {
          method: 'GET',
          path: '/orders',
          // One counter across all connections: consecutive requests carry different tokens.
          setupRequest: (req) => ({ ...req, headers: { ...req.headers, authorization: `Bearer ${tokens[next++ % tokens.length]}` } }),
        };
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections,
    ...(amount ? { amount } : { duration: seconds }),
    timeout: 10,
    sampleInt: 50, // autocannon checks for the end of the run on each sample: 50 ms instead of its 1 s
    requests: [request],
  });
  poolPosition.set(port, next % tokens.length);
  const completed = result.requests.total;
  if (result.non2xx || result.errors || result.timeouts) {
    throw new Error(`port ${port}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts of ${completed} requests`);
  }
  if (completed === 0) throw new Error(`port ${port}: no request completed`);
  return completed / result.duration;
}
