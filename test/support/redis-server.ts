// A real Redis for tests: the one .ci/run started (TOLLGATE_REDIS_URL), or a private redis-server on a free
// 127.0.0.1 port that a test may stop and start again. Never a mock: without redis-server the tests are
// skipped with a notice, and fail instead when TOLLGATE_REQUIRE_REDIS=1 (CI sets it).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createConnection, createServer } from 'node:net';
import { Redis as IoRedis } from 'ioredis';
import { createClient } from 'redis';

/** A redis-server process this test started. */
export interface PrivateRedis {
  readonly url: string;
  readonly port: number;
  /** Kills the server (SIGKILL: as abrupt as a crash). */
  stop(): Promise<void>;
  /** Starts it again on the same port (empty: nothing is saved). */
  start(): Promise<void>;
}

const binary = process.env.TOLLGATE_REDIS_SERVER ?? 'redis-server';

/** Whether a Redis can be had: a URL from CI, or a redis-server binary to start. */
export const redisAvailable: boolean = Boolean(process.env.TOLLGATE_REDIS_URL) || spawnSync(binary, ['--version']).status === 0;

if (!redisAvailable) {
  const message = 'Redis tests need redis-server on PATH (apt-get install redis-server) or TOLLGATE_REDIS_URL';
  if (process.env.TOLLGATE_REQUIRE_REDIS === '1') throw new Error(message);
  console.warn(`skipped: ${message}`);
}

/** The shared Redis URL: CI's server, else a private one started once for this test file. */
export async function sharedRedisUrl(): Promise<{ url: string; close: () => Promise<void> }> {
  if (process.env.TOLLGATE_REDIS_URL) return { url: process.env.TOLLGATE_REDIS_URL, close: async () => {} };
  const server = await startPrivateRedis();
  return { url: server.url, close: () => server.stop() };
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', () => resolve()));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** Resolves once something answers PING with PONG on `port`, within 5 s. */
async function waitForPong(port: number): Promise<void> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const answered = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port }, () => socket.write('PING\r\n'));
      socket.setTimeout(500, () => (socket.destroy(), resolve(false)));
      socket.on('data', (data) => (socket.destroy(), resolve(data.toString().startsWith('+PONG'))));
      socket.on('error', () => resolve(false));
    });
    if (answered) return;
    if (Date.now() > deadline) throw new Error(`redis-server did not answer on 127.0.0.1:${port}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Starts a redis-server of this test's own on a free port of 127.0.0.1, with nothing saved to disk. */
export async function startPrivateRedis(extra: readonly string[] = []): Promise<PrivateRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'yes', ...extra], { stdio: 'ignore' });
    const started = child;
    // A test process that dies must not leave its server running.
    process.once('exit', () => started.kill('SIGKILL'));
    await waitForPong(port);
  };
  const stop = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      running.once('exit', () => resolve());
      running.kill('SIGKILL');
    });
  };
  await start();
  return { url: `redis://127.0.0.1:${port}`, port, stop, start };
}

/**
 * One client of each main Node library on `url`, as two API instances would hold them: ioredis and
 * node-redis, each with an 'error' listener (the outage tests cause errors on purpose) and quick
 * reconnection. `close` disconnects both.
 */
export async function connectBothClients(url: string) {
  const ioredis = new IoRedis(url, { maxRetriesPerRequest: 1, retryStrategy: () => 100 });
  ioredis.on('error', () => {});
  const nodeRedis = createClient({ url, socket: { reconnectStrategy: () => 100 } });
  nodeRedis.on('error', () => {});
  await nodeRedis.connect();
  return {
    ioredis,
    nodeRedis,
    close: () => {
      ioredis.disconnect();
      nodeRedis.destroy();
    },
  };
}
