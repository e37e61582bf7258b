// The apps under test: the same protected GET /orders behind @tollgate/express (Express 5),
// @tollgate/koa (Koa 3 + @koa/router) and @tollgate/fastify (Fastify 5), each with its own verifier
// pointed at the same issuer, all on 127.0.0.1.
import http from 'node:http';

import Router from '@koa/router';
import * as tollgateExpress from '@tollgate/express';
import tollgateFastify, { tollgateErrorHandler as fastifyErrorHandler } from '@tollgate/fastify';
import * as tollgateKoa from '@tollgate/koa';
import express from 'express';
import Fastify from 'fastify';
import Koa from 'koa';

import { closeServer, listenLocally } from '../lib/local-server.js';
import { createAgent } from './client.js';
import { issuer } from './issuer.js';
import { JWKS, SCOPE } from './options.js';
import { targets } from './targets.js';

// The handler's answer, the same in every framework (judge() checks `ok`).
const answer = (auth) => ({ ok: true, client: auth?.clientId ?? null });

/** Express 5: requireAuth app-wide, requireScope on the route, tollgate's error handler last. */
async function startExpress(options) {
  const { requireAuth, requireScope, tollgateErrorHandler } = tollgateExpress;
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.use(requireAuth(options));
  app.get('/orders', requireScope(SCOPE), (req, res) => {
    res.json(answer(req.auth));
  });
  app.use(tollgateErrorHandler());
  const server = http.createServer(app);
  return { port: await listenLocally(server), stop: () => closeServer(server) };
}

/** Koa 3: the error handler first (it catches what later middleware throws), requireAuth, then the router. */
async function startKoa(options) {
  const { requireAuth, requireScope, tollgateErrorHandler } = tollgateKoa;
  const app = new Koa();
  const router = new Router();
  router.get('/orders', requireScope(SCOPE), (ctx) => {
    ctx.body = answer(ctx.state.auth);
  });
  app.use(tollgateErrorHandler()).use(requireAuth(options)).use(router.routes());
  const server = http.createServer(app.callback());
  return { port: await listenLocally(server), stop: () => closeServer(server) };
}

/** Fastify 5: the plugin (every route authenticated) and the route's `config: { scopes }`. */
async function startFastify(options) {
  const app = Fastify({ logger: false });
  app.setErrorHandler(fastifyErrorHandler());
  await app.register(tollgateFastify, options);
  app.get('/orders', { config: { scopes: [SCOPE] } }, async (request) => answer(request.auth));
  await app.listen({ host: '127.0.0.1', port: 0 });
  return { port: app.server.address().port, stop: () => app.close() };
}

const STARTERS = { express: startExpress, koa: startKoa, fastify: startFastify };

/** Starts every adapter's app with small JWKS timings and its own observing fetch; opens the client agents. */
export async function startApps() {
  for (const target of targets) {
    const options = {
      issuer: issuer.issuer,
      audience: issuer.audience,
      allowInsecureRequests: true,
      jwks: { cacheMaxAge: `${JWKS.cacheMaxAge}s`, cooldown: `${JWKS.cooldown}s`, timeout: `${JWKS.timeout}s`, staleIfError: `${JWKS.staleIfError}s` },
      fetch: target.jwks.fetch,
    };
    const { port, stop } = await STARTERS[target.name](options);
    Object.assign(target, { port, stop, agent: createAgent() });
  }
}

/** Drops the clients' connections, closes the servers, and so lets the process exit. */
export async function stopApps() {
  for (const target of targets) {
    target.agent?.destroy();
    await target.stop?.();
  }
}
