// The HTTP targets: one server per framework × library, each with GET /orders answering { ok, sub }.
// Built inside a child process (serve-target.js), so the server has a core to itself.
import http from 'node:http';

import { getRequestListener } from '@hono/node-server';
import fastifyJwt from '@fastify/jwt';
import Router from '@koa/router';
import Fastify from 'fastify';
import buildGetJwks from 'get-jwks';
import { Hono } from 'hono';
import jwksRsa from 'jwks-rsa';
import Koa from 'koa';
import koaJwt from 'koa-jwt';
import tollgatePlugin from '@tollgate/fastify';
import { requireAuth as honoRequireAuth } from '@tollgate/hono';
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
  { name: 'Koa 3 + koa-jwt + jwks-rsa', framework: 'Koa 3', library: 'koa-jwt + jwks-rsa', peer: 'koa-jwt' },
  { name: 'Fastify 5, no auth', framework: 'Fastify 5', library: 'no auth (ceiling)', bare: true },
  { name: 'Fastify 5 + tollgate', framework: 'Fastify 5', library: '@tollgate/fastify plugin (global)' },
  { name: 'Fastify 5 + @fastify/jwt + get-jwks', framework: 'Fastify 5', library: '@fastify/jwt + get-jwks', peer: '@fastify/jwt' },
  { name: 'Hono 4, no auth', framework: 'Hono 4', library: 'no auth (ceiling)', bare: true },
  { name: 'Hono 4 + tollgate', framework: 'Hono 4', library: '@tollgate/hono requireAuth' },
  { name: 'Nest 12 (Express), no auth', framework: 'Nest 12 (Express)', library: 'no auth (ceiling)', bare: true },
  { name: 'Nest 12 (Express) + tollgate', framework: 'Nest 12 (Express)', library: '@tollgate/nestjs TollgateGuard (APP_GUARD)' },
  { name: 'Nest 12 (Fastify), no auth', framework: 'Nest 12 (Fastify)', library: 'no auth (ceiling)', bare: true },
  { name: 'Nest 12 (Fastify) + tollgate', framework: 'Nest 12 (Fastify)', library: '@tollgate/nestjs TollgateGuard (APP_GUARD)' },
];

const tollgateOptions = ({ issuer, audience }) => ({ issuer, audience, allowInsecureRequests: true });

// koa-jwt with jwks-rsa's koaJwtSecret, as both document it (jwks-rsa options as in the express-jwt row);
// koa-jwt throws 401 and Koa's default error handling answers it. The payload lands on ctx.state.user.
function koaJwtMiddleware({ issuer, audience, jwksUri }, alg) {
  return koaJwt({
    secret: jwksRsa.koaJwtSecret({ jwksUri, cache: true, rateLimit: true, jwksRequestsPerMinute: 10 }),
    audience,
    issuer,
    algorithms: [alg],
  });
}

function koaApp(issuerInfo, bare, peer, alg) {
  const app = new Koa();
  const router = new Router();
  router.get('/orders', (ctx) => {
    ctx.body = { ok: true, sub: ctx.state.auth?.subject ?? ctx.state.user?.sub };
  });
  if (peer === 'koa-jwt') {
    app.use(koaJwtMiddleware(issuerInfo, alg));
  } else if (!bare) {
    app.use(koaErrorHandler());
    app.use(koaRequireAuth(tollgateOptions(issuerInfo)));
  }
  app.use(router.routes());
  return app.callback();
}

// The same GET /orders, served by @hono/node-server's listener on node:http (as the other Node handlers are).
// No onError: Hono's default handler answers tollgate's HTTPException with the exact response.
function honoApp(issuerInfo, bare) {
  const app = new Hono();
  if (!bare) app.use(honoRequireAuth(tollgateOptions(issuerInfo)));
  app.get('/orders', (c) => c.json({ ok: true, sub: c.get('auth')?.subject }));
  return getRequestListener(app.fetch);
}

/**
 * Nest on `platform` ('express' or 'fastify'): one controller with GET /orders, and with tollgate the
 * module and TollgateGuard as APP_GUARD, the token taken by @Auth(). bench/ is plain JavaScript, so the
 * decorators are applied by call, as TypeScript's legacy emit would (test/conformance/apps/nest.ts does
 * the same). Nest is loaded here, in the server process only, not by every process that lists the targets.
 */
async function nestApp(issuerInfo, bare, platform) {
  await import('reflect-metadata');
  const [{ Controller, Get, Module }, { APP_GUARD, NestFactory }, { Auth, TollgateGuard, TollgateModule }, { ExpressAdapter }, { FastifyAdapter }] =
    await Promise.all([
      import('@nestjs/common'),
      import('@nestjs/core'),
      import('@tollgate/nestjs'),
      import('@nestjs/platform-express'),
      import('@nestjs/platform-fastify'),
    ]);
  class OrdersController {
    list(token) {
      return { ok: true, sub: token?.subject };
    }
  }
  const proto = OrdersController.prototype;
  if (!bare) Auth()(proto, 'list', 0);
  Reflect.defineMetadata('design:paramtypes', bare ? [] : [Object], proto, 'list');
  const descriptor = Object.getOwnPropertyDescriptor(proto, 'list');
  Object.defineProperty(proto, 'list', Reflect.decorate([Get('/orders')], proto, 'list', descriptor) ?? descriptor);
  Reflect.decorate([Controller()], OrdersController);
  class AppModule {}
  Reflect.decorate(
    [
      Module({
        imports: bare ? [] : [TollgateModule.forRoot(tollgateOptions(issuerInfo))],
        controllers: [OrdersController],
        providers: bare ? [] : [{ provide: APP_GUARD, useClass: TollgateGuard }],
      }),
    ],
    AppModule,
  );
  const adapter = platform === 'fastify' ? new FastifyAdapter() : new ExpressAdapter();
  const app = await NestFactory.create(AppModule, adapter, { logger: false });
  await app.listen(0, '127.0.0.1');
  return { port: app.getHttpServer().address().port, close: () => app.close() };
}

// @fastify/jwt's documented JWKS setup: `secret` as a function that asks get-jwks for the key by the token's
// header kid/alg and its iss (get-jwks options as in the fast-jwt row), checked for aud and iss, with an
// onRequest hook calling request.jwtVerify(). Its errors carry statusCode 401, which reply.send(err) answers.
async function registerFastifyJwt(app, { issuer, audience, jwksUri }, alg) {
  const getJwks = buildGetJwks({ providerDiscovery: false, issuersWhitelist: [issuer], jwksPath: new URL(jwksUri).pathname });
  await app.register(fastifyJwt, {
    decode: { complete: true },
    secret: (request, token) => {
      const {
        header: { kid, alg: tokenAlg },
        payload: { iss },
      } = token;
      return getJwks.getPublicKey({ kid, domain: iss, alg: tokenAlg });
    },
    verify: { algorithms: [alg], allowedIss: issuer, allowedAud: audience },
  });
  app.addHook('onRequest', async (request, reply) => {
    try {
      await request.jwtVerify();
    } catch (err) {
      reply.send(err);
    }
  });
}

async function fastifyApp(issuerInfo, bare, peer, alg) {
  const app = Fastify({ logger: false });
  if (peer === '@fastify/jwt') await registerFastifyJwt(app, issuerInfo, alg);
  else if (!bare) await app.register(tollgatePlugin, tollgateOptions(issuerInfo));
  app.get('/orders', async (request) => ({ ok: true, sub: request.auth?.subject ?? request.user?.sub }));
  return app;
}

/** Starts `target` on a free port of 127.0.0.1 for `alg` tokens; resolves `{ port, close }`. */
export async function startTarget(target, issuerInfo, alg) {
  if (target.framework === 'Nest 12 (Express)') return nestApp(issuerInfo, target.bare, 'express');
  if (target.framework === 'Nest 12 (Fastify)') return nestApp(issuerInfo, target.bare, 'fastify');
  if (target.framework === 'Fastify 5') {
    const app = await fastifyApp(issuerInfo, target.bare, target.peer, alg);
    await app.listen({ port: 0, host: '127.0.0.1' });
    return { port: app.server.address().port, close: () => app.close() };
  }
  let handler;
  if (target.framework === 'Koa 3') handler = koaApp(issuerInfo, target.bare, target.peer, alg);
  else if (target.framework === 'Hono 4') handler = honoApp(issuerInfo, target.bare);
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
