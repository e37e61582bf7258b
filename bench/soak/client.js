// The app under test (Express 5 behind @tollgate/express) and the keep-alive client that calls it.
import http from 'node:http';

import express from 'express';
import { requireAuth, requireScope, tollgateErrorHandler } from '@tollgate/express';

import { closeServer, listenLocally } from '../lib/local-server.js';
import { issuer } from './issuer.js';
import { observingFetch } from './jwks-observer.js';
import { CONFIG, JWKS, REQUEST_TIMEOUT_MS, SCOPE } from './options.js';

let server;
let agent;
let port;

/** One GET /orders; resolves { status, headers, body } or { error } (timeout or connection error). */
export function send(authorization) {
  return new Promise((resolve) => {
    const headers = authorization === undefined ? {} : { authorization };
    const req = http.request({ host: '127.0.0.1', port, path: '/orders', method: 'GET', agent, headers }, (res) => {
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

/** Starts the app on 127.0.0.1 with small JWKS timings and the observing fetch; opens the client agent. */
export async function startApp() {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.use(
    requireAuth({
      issuer: issuer.issuer,
      audience: issuer.audience,
      allowInsecureRequests: true,
      jwks: { cacheMaxAge: `${JWKS.cacheMaxAge}s`, cooldown: `${JWKS.cooldown}s`, timeout: `${JWKS.timeout}s`, staleIfError: `${JWKS.staleIfError}s` },
      fetch: observingFetch,
    }),
  );
  app.get('/orders', requireScope(SCOPE), (req, res) => {
    res.json({ ok: true, client: req.auth?.clientId ?? null });
  });
  app.use(tollgateErrorHandler());
  server = http.createServer(app);
  port = await listenLocally(server);
  agent = new http.Agent({ keepAlive: true, maxSockets: CONFIG.concurrency });
}

/** Drops the client's connections, closes the server, and so lets the process exit. */
export async function stopApp() {
  agent.destroy();
  await closeServer(server);
}
