// Child process of bench/signature-paths.js: runs autocannon against a 127.0.0.1 URL, apart from the server's event loop.
// Protocol (IPC): { type: 'tokens', tokens } sets the pool; { type: 'run', url, connections, duration }
// answers { type: 'result', ... } or { type: 'error', message }; the parent disconnecting ends the process.
import autocannon from 'autocannon';

let tokens = [];
let next = 0;

async function run({ url, connections, duration }) {
  if (!new URL(url).hostname.match(/^(127\.0\.0\.1|localhost)$/)) throw new Error('only 127.0.0.1 is allowed');
  const result = await autocannon({
    url,
    connections,
    duration,
    timeout: 10,
    // One token per request, rotating through a pool of distinct tokens, so no request repeats the last one.
    requests: [
      {
        method: 'GET',
        path: '/',
        setupRequest: (request) => {
          request.headers = { ...request.headers, authorization: `Bearer ${tokens[next++ % tokens.length]}` };
          return request;
        },
      },
    ],
  });
  return {
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    seconds: result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
  };
}

process.on('message', (message) => {
  if (message.type === 'tokens') {
    tokens = message.tokens;
    next = 0;
    process.send({ type: 'ready' });
  } else if (message.type === 'run') {
    run(message).then(
      (result) => process.send({ type: 'result', ...result }),
      (error) => process.send({ type: 'error', message: String(error?.message ?? error) }),
    );
  }
});
process.on('disconnect', () => process.exit(0));
