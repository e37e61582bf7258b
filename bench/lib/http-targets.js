// The HTTP scenarios' targets: one Express app per library on 127.0.0.1, each with its own keep-alive agent.
import http from 'node:http';

import { CONFIG } from './bench-options.js';
import { listenLocally } from './local-server.js';

/**
 * Starts `lib.app(alg)` for every library; returns name → { agent, port, server }. Every server is
 * pushed to `servers` as soon as it exists, so the caller can close it even when a later one fails.
 */
export async function startTargets(libs, alg, servers) {
  const targets = new Map();
  for (const lib of libs) {
    const server = http.createServer(lib.app(alg));
    servers.push(server);
    const port = await listenLocally(server);
    const agent = new http.Agent({ keepAlive: true, maxSockets: CONFIG.concurrency });
    targets.set(lib.name, { agent, port, server });
  }
  return targets;
}
