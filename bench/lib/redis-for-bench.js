// A Redis for a benchmark: CI's (TOLLGATE_REDIS_URL), else a redis-server of the benchmark's own on a free port of 127.0.0.1.
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';

import { closeServer, listenLocally } from './local-server.js';

/** A connected ioredis client on CI's Redis or on a redis-server of the benchmark's own; undefined without either. */
export async function redisForBench() {
  const { Redis } = await import('ioredis');
  let url = process.env.TOLLGATE_REDIS_URL;
  let child;
  if (!url) {
    if (spawnSync('redis-server', ['--version']).status !== 0) return undefined;
    const probe = createServer();
    const port = await listenLocally(probe);
    await closeServer(probe);
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    url = `redis://127.0.0.1:${port}`;
  }
  const client = new Redis(url, { retryStrategy: (attempt) => (attempt > 50 ? null : 100) });
  client.on('error', () => {});
  await new Promise((resolve, reject) => {
    client.once('ready', resolve);
    client.once('end', () => reject(new Error(`no Redis at ${url}`)));
  });
  return {
    client,
    close: async () => {
      client.disconnect();
      child?.kill('SIGKILL');
    },
  };
}
