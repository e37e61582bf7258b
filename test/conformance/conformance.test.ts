// Runs every case of cases.ts against every (framework, major version) pair, over real HTTP on 127.0.0.1,
// with real tokens from a live test issuer. Adding an adapter means adding one factory and one line below.
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestIssuer, type TestIssuer } from '@tollgate/testing';
import { createExpressApp, type ExpressModule } from './apps/express.js';
import { createFastifyApp, type FastifyModule } from './apps/fastify.js';
import { createHonoApp } from './apps/hono.js';
import { createKoaApp, type KoaModule } from './apps/koa.js';
import { createNestApp, nestPlatform } from './apps/nest.js';
import { cases, startIntrospectionEndpoint, TestClock, type CaseContext, type ConformanceCase } from './cases.js';
import type { LocalServer } from '../../packages/core/test/support/jwks-support.js';
import { send, type SendResponse } from './http.js';
import { APP_NAMES, appSpec, ISSUER_OF, type AppName, type AppSpec } from './spec.js';

/** One framework at one major version: the package that provides it, how to load it, which factory builds its app. */
interface Framework {
  name: string;
  /** The installed package (an npm alias for older majors) and the major version it must be. */
  packageName: string;
  major: number;
  build: (spec: AppSpec) => Promise<Server>;
}

const framework = <M>(
  name: string,
  [packageName, major]: [string, number],
  load: () => Promise<M>,
  factory: (module: M, spec: AppSpec) => Promise<Server>,
): Framework => ({ name, packageName, major, build: async (spec) => factory(await load(), spec) });

const FRAMEWORKS: readonly Framework[] = [
  framework('express4', ['express4', 4], async () => (await import('express4')).default as ExpressModule, createExpressApp),
  framework('express5', ['express', 5], async () => (await import('express')).default, createExpressApp),
  framework('koa2', ['koa2', 2], async () => (await import('koa2')).default as KoaModule, createKoaApp),
  framework('koa3', ['koa', 3], async () => (await import('koa')).default, createKoaApp),
  framework('fastify4', ['fastify4', 4], async () => (await import('fastify4')).default as unknown as FastifyModule, createFastifyApp),
  framework('fastify5', ['fastify', 5], async () => (await import('fastify')).default, createFastifyApp),
  framework('nest-express', ['@nestjs/platform-express', 12], () => nestPlatform('express'), createNestApp),
  framework('nest-fastify', ['@nestjs/platform-fastify', 12], () => nestPlatform('fastify'), createNestApp),
  framework('hono4', ['hono', 4], async () => (await import('hono')).Hono, createHonoApp),
];

/** The version of an installed package, read from its package.json (aliases keep the real package's). */
async function installedVersion(packageName: string): Promise<string> {
  const path = new URL(`../../node_modules/${packageName}/package.json`, import.meta.url);
  return (JSON.parse(await readFile(path, 'utf8')) as { version: string }).version;
}

const issuers: Partial<Record<'main' | 'outage', TestIssuer>> = {};
const issuerFor = (app: AppName): TestIssuer => {
  const issuer = issuers[ISSUER_OF[app]];
  if (!issuer) throw new Error('the test issuers are not running');
  return issuer;
};

// The introspection endpoint of the `introspect` app: answers by token (see INTROSPECTED in cases.ts).
let introspection: LocalServer;

beforeAll(async () => {
  [issuers.main, issuers.outage] = await Promise.all([createTestIssuer(), createTestIssuer()]);
  introspection = await startIntrospectionEndpoint(issuers.main);
  // The outage issuer never serves a key: no app ever cached one from it.
  issuers.outage.setFault({ kind: 'down' });
});
afterAll(async () => {
  await Promise.all([...Object.values(issuers).map((issuer) => issuer.close()), introspection.close()]);
});

async function listen(server: Server): Promise<number> {
  if (!server.listening) {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
  }
  return (server.address() as AddressInfo).port;
}

async function close(server: Server): Promise<void> {
  if (!server.listening) return;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  await closed;
}

/** The parts of a response the table fixes, in the table's shape. */
function observe(response: SendResponse) {
  let body: unknown;
  try {
    body = JSON.parse(response.text);
  } catch {
    body = `(not JSON) ${response.text}`;
  }
  return {
    status: response.status,
    wwwAuthenticate: response.headers['www-authenticate'] ?? null,
    retryAfter: response.headers['retry-after'] ?? null,
    contentType: response.headers['content-type']?.split(';')[0]?.trim() ?? null,
    body,
  };
}

const casesOf = (app: AppName): ConformanceCase[] => cases.filter((c) => c.app === app);

describe.each(FRAMEWORKS.map((fw) => [fw.name, fw] as const))('%s', (_name, fw) => {
  it(`runs ${fw.packageName} at major version ${fw.major}`, async () => {
    expect((await installedVersion(fw.packageName)).split('.')[0]).toBe(String(fw.major));
  });

  describe.each(APP_NAMES.filter((app) => casesOf(app).length > 0))('%s app', (app) => {
    let server: Server | undefined;
    let port = 0;
    const clock = new TestClock();
    const ctx: CaseContext = {
      get issuer() {
        return issuerFor(app);
      },
      clock,
      get origin() {
        return `http://127.0.0.1:${port}`;
      },
      sign: (claims, options) => issuerFor(app).sign(claims, { now: clock.seconds(), ...options }),
      send: (request) => send(port, request),
    };

    // Built right before its cases: adapters keep a module-level default configuration (requireAuth,
    // configure(), the Fastify plugin), which must belong to the app under test.
    beforeAll(async () => {
      const main = issuerFor('main');
      const outage = issuerFor('outage');
      server = await fw.build(appSpec(app, { issuer: main, outage, now: clock.now, introspectionEndpoint: `${introspection.origin}/introspect` }));
      port = await listen(server);
    });
    afterAll(async () => {
      if (server) await close(server);
    });

    it.each(casesOf(app).map((c) => [c.name, c] as const))('%s', async (_name, c) => {
      try {
        await c.setup?.(ctx);
        const request = await c.request(ctx);
        const jwksBefore = ctx.issuer.requests.jwks;
        const response = await send(port, request);
        const jwksServed = ctx.issuer.requests.jwks - jwksBefore;

        expect(observe(response)).toStrictEqual({ retryAfter: null, ...c.expect });
        // Every refusal carries Cache-Control: no-store (toErrorResponse in core), whatever the framework.
        if (c.expect.status >= 400) expect(response.headers['cache-control']).toBe('no-store');
        if (c.jwksRequests !== undefined) expect(jwksServed, 'JWKS requests served during the request').toBe(c.jwksRequests);
        // RFC 9449 section 9: a use_dpop_nonce refusal carries the nonce to use; nothing else does.
        expect(response.headers['dpop-nonce'] !== undefined, 'DPoP-Nonce header').toBe(c.dpopNonce ?? false);
      } finally {
        await c.teardown?.(ctx);
      }
    });
  });
});
