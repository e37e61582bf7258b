// Starts one of the example apps on an ephemeral port of 127.0.0.1, whatever its framework.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import type { INestApplication, Type } from '@nestjs/common';
import type { VerifierOptions } from '@tollgate/core';
import type { FastifyInstance } from 'fastify';
import { createExpressControllerApp } from '../express-controller.js';
import { createExpressApp } from '../express-app.js';
import { createFastifyControllerApp } from '../fastify-controller.js';
import { createFastifyApp } from '../fastify-app.js';
import { createHonoApp } from '../hono-app.js';
import { createKoaControllerApp } from '../koa-controller.js';
import { createKoaApp } from '../koa-app.js';

/** An example app listening on 127.0.0.1. */
export interface RunningApi {
  readonly name: ApiName;
  /** Base URL, e.g. `http://127.0.0.1:53211`. */
  readonly url: string;
  close(): Promise<void>;
}

/** Each example app, by name: its source file and its factory. */
export const APIS = {
  express: { file: 'examples/express-app.ts', start: (options: VerifierOptions) => listenNode(createExpressApp(options)) },
  koa: { file: 'examples/koa-app.ts', start: (options: VerifierOptions) => listenNode(createKoaApp(options)) },
  fastify: { file: 'examples/fastify-app.ts', start: async (options: VerifierOptions) => listenFastify(await createFastifyApp(options)) },
  // The Hono app's fetch served by @hono/node-server's listener on a node:http server (so closeAllConnections works).
  hono: {
    file: 'examples/hono-app.ts',
    start: (options: VerifierOptions) => listenNode({ listen: (port, host) => createServer(getRequestListener(createHonoApp(options).fetch)).listen(port, host) }),
  },
  nest: { file: 'examples/nest/nest-app.ts', start: async (options: VerifierOptions) => listenNest(await (await nestExample()).createNestApp(options)) },
  'nest-fastify': {
    file: 'examples/nest/nest-app.ts',
    start: async (options: VerifierOptions) => {
      const [{ ordersModule }, { NestFactory }, { FastifyAdapter }] = await Promise.all([
        nestExample(),
        import('@nestjs/core'),
        import('@nestjs/platform-fastify'),
      ]);
      return listenNest(await NestFactory.create(ordersModule(options), new FastifyAdapter(), { logger: ['error', 'warn'] }));
    },
  },
  'express-controller': {
    file: 'examples/express-controller.ts',
    start: (options: VerifierOptions) => listenNode(createExpressControllerApp(options)),
  },
  'koa-controller': { file: 'examples/koa-controller.ts', start: (options: VerifierOptions) => listenNode(createKoaControllerApp(options)) },
  'fastify-controller': {
    file: 'examples/fastify-controller.ts',
    start: async (options: VerifierOptions) => listenFastify(await createFastifyControllerApp(options)),
  },
} as const;

export type ApiName = keyof typeof APIS;

/** Builds the named example app with `options` and starts it. */
export async function startApi(name: ApiName, options: VerifierOptions): Promise<RunningApi> {
  const { url, close } = await APIS[name].start(options);
  return { name, url, close };
}

async function listenNode(app: { listen(port: number, host: string): Server }): Promise<Omit<RunningApi, 'name'>> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections(); // keep-alive clients would otherwise hold the close open
      }),
  };
}

/** What examples/nest/nest-app.ts exports (see there). */
interface NestExample {
  ordersModule(options: VerifierOptions): Type<unknown>;
  createNestApp(options: VerifierOptions): Promise<INestApplication>;
}

// Loaded by a specifier TypeScript does not follow, and only when a Nest API starts. The Nest example
// compiles with legacy decorators in its own project (examples/nest/tsconfig.json); the test type-check
// (tsconfig.test.json) compiles this file from source with standard decorators, and a static import would
// make it compile the Nest example with them too (TS1206, TS1241). The relative path holds for the source
// (vitest) and for the build (examples/dist/lib → examples/dist/nest).
const NEST_EXAMPLE = '../nest/nest-app.js';
const nestExample = (): Promise<NestExample> => import(NEST_EXAMPLE) as Promise<NestExample>;

async function listenNest(app: INestApplication): Promise<Omit<RunningApi, 'name'>> {
  await app.listen(0, '127.0.0.1');
  return { url: `http://127.0.0.1:${((app.getHttpServer() as Server).address() as AddressInfo).port}`, close: () => app.close() };
}

async function listenFastify(app: FastifyInstance): Promise<Omit<RunningApi, 'name'>> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, close: () => app.close() };
}
