// The HTTP targets: one server per framework × library, each with GET /orders answering { ok, sub }.
// Built inside a child process (serve-target.js), so the server has a core to itself.
import http from 'node:http';

import { getRequestListener } from '@hono/node-server';
import Router from '@koa/router';
import Fastify from 'fastify';
import { Hono } from 'hono';
import Koa from 'koa';
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
  { name: 'Fastify 5, no auth', framework: 'Fastify 5', library: 'no auth (ceiling)', bare: true },
  { name: 'Fastify 5 + tollgate', framework: 'Fastify 5', library: '@tollgate/fastify plugin (global)' },
  { name: 'Hono 4, no auth', framework: 'Hono 4', library: 'no auth (ceiling)', bare: true },
  { name: 'Hono 4 + tollgate', framework: 'Hono 4', library: '@tollgate/hono requireAuth' },
  { name: 'Nest 12 (Express), no auth', framework: 'Nest 12 (Express)', library: 'no auth (ceiling)', bare: true },
  { name: 'Nest 12 (Express) + tollgate', framework: 'Nest 12 (Express)', library: '@tollgate/nestjs TollgateGuard (APP_GUARD)' },
  { name: 'Nest 12 (Fastify), no auth', framework: 'Nest 12 (Fastify)', library: 'no auth (ceiling)', bare: true },
  { name: 'Nest 12 (Fastify) + tollgate', framework: 'Nest 12 (Fastify)', library: '@tollgate/nestjs TollgateGuard (APP_GUARD)' },
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

async function fastifyApp(issuerInfo, bare) {
  const app = Fastify({ logger: false });
  if (!bare) await app.register(tollgatePlugin, tollgateOptions(issuerInfo));
  app.get('/orders', async (request) => ({ ok: true, sub: request.auth?.subject }));
  return app;
}

/** Starts `target` on a free port of 127.0.0.1 for `alg` tokens; resolves `{ port, close }`. */
export async function startTarget(target, issuerInfo, alg) {
  if (target.framework === 'Nest 12 (Express)') return nestApp(issuerInfo, target.bare, 'express');
  if (target.framework === 'Nest 12 (Fastify)') return nestApp(issuerInfo, target.bare, 'fastify');
  if (target.framework === 'Fastify 5') {
    const app = await fastifyApp(issuerInfo, target.bare);
    await app.listen({ port: 0, host: '127.0.0.1' });
    return { port: app.server.address().port, close: () => app.close() };
  }
  let handler;
  if (target.framework === 'Koa 3') handler = koaApp(issuerInfo, target.bare);
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
