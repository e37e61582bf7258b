// The keep-alive client: one agent per adapter, one GET /orders at a time per connection.
import http from 'node:http';

import { CONFIG, REQUEST_TIMEOUT_MS } from './options.js';

/** A keep-alive agent with one socket per connection of an adapter. */
export const createAgent = () => new http.Agent({ keepAlive: true, maxSockets: CONFIG.concurrency });

/** One GET /orders to `target`; resolves { status, headers, body } or { error } (timeout or connection error). */
export function send(target, authorization) {
  return new Promise((resolve) => {
    const headers = authorization === undefined ? {} : { authorization };
    const options = { host: '127.0.0.1', port: target.port, path: '/orders', method: 'GET', agent: target.agent, headers };
    const req = http.request(options, (res) => {
      const chunks = [];
      let size = 0;
      res.on('data', (chunk) => {
        if (size < 64 * 1024) chunks.push(chunk);
        size += chunk.length;
      });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (error) => resolve({ error }));
    });
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(Object.assign(new Error('request timed out'), { code: 'SOAK_TIMEOUT' })));
    req.on('error', (error) => resolve({ error }));
    req.end();
  });
}
