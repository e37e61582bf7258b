// The HTTP targets: one server per framework × library, each with GET /orders answering { ok, sub }.
// Built inside a child process (serve-target.js), so the server has a core to itself.
import http from 'node:http';

import Router from '@koa/router';
import Fastify from 'fastify';
import Koa from 'koa';
import tollgatePlugin from '@tollgate/fastify';
import { requireAuth as koaRequireAuth, tollgateErrorHandler as koaErrorHandler } from '@tollgate/koa';

import { ceiling, defineLibraries, loadTollgateExpress } from './libraries.js';

// The Express libraries in the HTTP scenarios, by their row name in libraries.js.
const EXPRESS_LIBRARIES = ['tollgate', 'jose (createRemoteJWKSet + jwtVerify)', 'express-oauth2-jwt-bearer', 'express-jwt + jwks-rsa', 'fast-jwt + get-jwks'];

/** Every HTTP target: `{ name, framework, library, bare? }`; `bare` targets check no token (the framework's ceiling). */
export const HTTP_TARGETS = [
  { name: 'Express 5, no auth', framework: 'Express 5', library: 'no auth (ceiling)', bare: true },
  ...EXPRESS_LIBRARIES.map((library) => ({ name: `Express 5 + ${library}`, framework: 'Express 5', library })),
  { name: 'Koa 3, no auth', framework: 'Koa 3', library: 'no auth (ceiling)', bare: true },
  { name: 'Koa 3 + tollgate', framework: 'Koa 3', library: '@tollgate/koa requireAuth' },
  { name: 'Fastify 5, no auth', framework: 'Fastify 5', library: 'no auth (ceiling)', bare: true },
  { name: 'Fastify 5 + tollgate', framework: 'Fastify 5', library: '@tollgate/fastify plugin (global)' },
];

const tollgateOptions = ({ issuer, audience }) => ({ issuer, audience, allowInsecureRequests: true });

function koaApp(issuerInfo, bare) {
  const app = new Koa();
  const router = new Router();
  router.get('/orders', (ctx) => {
    ctx.body = { ok: true, sub: ctx.state.auth?.subject };
  });
  if (!bare) {
    app.use(koaErrorHandler());
    app.use(koaRequireAuth(tollgateOptions(issuerInfo)));
  }
  app.use(router.routes());
  return app.callback();
}

async function fastifyApp(issuerInfo, bare) {
  const app = Fastify({ logger: false });
  if (!bare) await app.register(tollgatePlugin, tollgateOptions(issuerInfo));
  app.get('/orders', async (request) => ({ ok: true, sub: request.auth?.subject }));
  return app;
}

/** Starts `target` on a free port of 127.0.0.1 for `alg` tokens; resolves `{ port, close }`. */
export async function startTarget(target, issuerInfo, alg) {
  if (target.framework === 'Fastify 5') {
    const app = await fastifyApp(issuerInfo, target.bare);
    await app.listen({ port: 0, host: '127.0.0.1' });
    return { port: app.server.address().port, close: () => app.close() };
  }
  let handler;
  if (target.framework === 'Koa 3') handler = koaApp(issuerInfo, target.bare);
  else if (target.bare) handler = ceiling.app();
  else handler = defineLibraries(issuerInfo, await loadTollgateExpress()).find((lib) => lib.name === target.library).app(alg);
  const server = http.createServer(handler);
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return {
    port: server.address().port,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
