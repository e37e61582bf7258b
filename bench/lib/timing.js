// Timing one library once: sequential verifications, or a fixed number of keep-alive HTTP requests.
import http from 'node:http';
import { performance } from 'node:perf_hooks';

/** Verifies `count` tokens one after the other (tokens[i % length]); returns ops/s. */
export async function timeSequential(verify, tokens, count) {
  const start = performance.now();
  for (let i = 0; i < count; i++) await verify(tokens[i % tokens.length]);
  return count / ((performance.now() - start) / 1000);
}

function httpGet(agent, port, token) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/orders', agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.setTimeout(10_000, () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end();
  });
}

/** Sends exactly `count` keep-alive GETs with `concurrency` in flight; returns requests/s (throws on any non-200). */
export async function timeHttp({ agent, port }, tokens, count, concurrency) {
  let next = 0;
  let failures = 0;
  let lastStatus = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const status = await httpGet(agent, port, tokens[i % tokens.length]);
      if (status !== 200) {
        failures++;
        lastStatus = status;
      }
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const rate = count / ((performance.now() - start) / 1000);
  if (failures) throw new Error(`${failures} of ${count} requests failed (last status ${lastStatus})`);
  return rate;
}
