// The request URL a DPoP proof's htu must name, per adapter: X-Forwarded-Proto/-Host count only when the
// framework trusts its proxy (Express `trust proxy`, Koa `app.proxy`, Fastify `trustProxy`), never by
// default (Hono: never); `dpop.publicUrl` overrides the framework's view either way. Real HTTP, real keys.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import * as tollgateExpress from '@tollgate/express';
import tollgateFastify from '@tollgate/fastify';
import * as tollgateHono from '@tollgate/hono';
import * as tollgateKoa from '@tollgate/koa';
import type { VerifierOptions } from '@tollgate/core';
import { createDpopKey, createDpopProof, createTestIssuer, type DpopKey, type TestIssuer } from '@tollgate/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNestApp } from '../conformance/apps/nest.js';
import { send } from '../conformance/http.js';
import { sendRawRequest } from '../hostile/raw-http.js';
import { EXPRESS_VERSIONS, FASTIFY_VERSIONS, HONO_VERSIONS, KOA_VERSIONS } from '../support/frameworks.js';

const PUBLIC = 'https://api.public.example';

/** Builds an app with one route, GET /me, behind requireAuth (or the plugin), trusting its proxy or not. */
type Build = (options: VerifierOptions, trustProxy: boolean) => Promise<Server>;

const TARGETS: Array<{ name: string; build: Build; honoursProxyTrust: boolean }> = [
  ...EXPRESS_VERSIONS.map((v) => ({
    name: v.name,
    honoursProxyTrust: true,
    build: async (options: VerifierOptions, trustProxy: boolean) => {
      const app = v.module();
      if (trustProxy) app.set('trust proxy', true);
      app.get('/me', tollgateExpress.requireAuth(options), (_req, res) => {
        res.json({ ok: true });
      });
      app.use(tollgateExpress.tollgateErrorHandler());
      const { createServer } = await import('node:http');
      return createServer(app);
    },
  })),
  ...KOA_VERSIONS.map((v) => ({
    name: v.name,
    honoursProxyTrust: true,
    build: async (options: VerifierOptions, trustProxy: boolean) => {
      const app = new v.module();
      app.proxy = trustProxy;
      app.use(tollgateKoa.requireAuth(options));
      app.use((ctx) => {
        ctx.body = { ok: true };
      });
      const { createServer } = await import('node:http');
      return createServer(app.callback());
    },
  })),
  ...FASTIFY_VERSIONS.map((v) => ({
    name: v.name,
    honoursProxyTrust: true,
    build: async (options: VerifierOptions, trustProxy: boolean) => {
      const app = v.module({ trustProxy });
      await app.register(tollgateFastify, options);
      app.get('/me', async () => ({ ok: true }));
      await app.ready();
      return app.server;
    },
  })),
  ...(['express', 'fastify'] as const).map((platform) => ({
    name: `nest-${platform}`,
    honoursProxyTrust: true,
    build: async (options: VerifierOptions, trustProxy: boolean) => {
      const spec = { verifier: options, guard: {}, layout: 'per-route' as const, routes: [{ path: '/me', kind: 'auth' as const }] };
      if (platform === 'express') {
        const { ExpressAdapter } = await import('@nestjs/platform-express');
        const { default: express } = await import('express');
        const instance = express();
        if (trustProxy) instance.set('trust proxy', true);
        return createNestApp({ adapter: () => new ExpressAdapter(instance), fastify: false }, spec);
      }
      const { FastifyAdapter } = await import('@nestjs/platform-fastify');
      return createNestApp({ adapter: () => new FastifyAdapter({ trustProxy }), fastify: true }, spec);
    },
  })),
  ...HONO_VERSIONS.map((v) => ({
    name: v.name,
    // Hono has no proxy trust setting: forwarded headers never count; dpop.publicUrl is the way behind a proxy.
    honoursProxyTrust: false,
    build: async (options: VerifierOptions) => {
      const app = new v.module();
      app.onError(tollgateHono.tollgateErrorHandler());
      app.get('/me', tollgateHono.requireAuth(options), (c) => c.json({ ok: true }));
      return createAdaptorServer({ fetch: app.fetch }) as Server;
    },
  })),
];

let issuer: TestIssuer;
let key: DpopKey;
beforeAll(async () => {
  issuer = await createTestIssuer({ algorithms: ['ES256'] });
  key = await createDpopKey();
});
afterAll(async () => {
  await issuer?.close();
});

async function listen(server: Server): Promise<{ port: number; close: () => Promise<void> }> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const FORWARDED = [
  ['X-Forwarded-Proto', 'https'],
  ['X-Forwarded-Host', 'api.public.example'],
] as const;

/** GET /me with a fresh bound token and a proof whose htu is `htuOrigin` + /me, plus the forwarded headers. */
async function dpopGet(port: number, htuOrigin: string) {
  const token = await issuer.sign({ cnf: key.cnf });
  const proof = createDpopProof({ key, method: 'GET', url: `${htuOrigin}/me`, token });
  const response = await send(port, { path: '/me', headers: [['Authorization', `DPoP ${token}`], ['DPoP', proof], ...FORWARDED] });
  // Read from the challenge: Koa's and Fastify's default error handlers choose their own bodies.
  const challenge = response.headers['www-authenticate'];
  return { status: response.status, error: typeof challenge === 'string' ? /error="([a-z_]+)"/.exec(challenge)?.[1] : undefined };
}

describe.each(TARGETS.map((t) => [t.name, t] as const))('%s', (_name, target) => {
  const options = (extra: Partial<VerifierOptions> = {}): VerifierOptions => ({
    issuer: issuer.issuer,
    audience: issuer.audience,
    jwksUri: issuer.jwksUri,
    allowInsecureRequests: true,
    ...extra,
  });

  it('by default, ignores X-Forwarded-Proto/-Host: the htu is the URL the app was called by', async () => {
    const app = await listen(await target.build(options(), false));
    try {
      expect(await dpopGet(app.port, PUBLIC)).toEqual({ status: 401, error: 'invalid_dpop_proof' });
      expect(await dpopGet(app.port, `http://127.0.0.1:${app.port}`)).toEqual({ status: 200, error: undefined });
    } finally {
      await app.close();
    }
  });

  it(target.honoursProxyTrust ? 'trusting its proxy, reads the forwarded scheme and host' : 'has no proxy trust: forwarded headers never count', async () => {
    const app = await listen(await target.build(options(), true));
    try {
      const local = `http://127.0.0.1:${app.port}`;
      expect(await dpopGet(app.port, PUBLIC)).toEqual(target.honoursProxyTrust ? { status: 200, error: undefined } : { status: 401, error: 'invalid_dpop_proof' });
      expect(await dpopGet(app.port, local)).toEqual(target.honoursProxyTrust ? { status: 401, error: 'invalid_dpop_proof' } : { status: 200, error: undefined });
    } finally {
      await app.close();
    }
  });

  it('dpop.publicUrl overrides the framework and every forwarded header', async () => {
    const app = await listen(await target.build(options({ dpop: { publicUrl: 'https://gateway.example/' } }), true));
    try {
      expect(await dpopGet(app.port, 'https://gateway.example')).toEqual({ status: 200, error: undefined });
      expect(await dpopGet(app.port, PUBLIC)).toEqual({ status: 401, error: 'invalid_dpop_proof' });
      expect(await dpopGet(app.port, `http://127.0.0.1:${app.port}`)).toEqual({ status: 401, error: 'invalid_dpop_proof' });
    } finally {
      await app.close();
    }
  });

  // Review of issue 12, F1 and F2: a Host or forwarded header holding `/`, `?` or `#`, or an absolute-form
  // target, once redrew where the path began, so a proof made for one path was accepted on another.
  it('no Host, forwarded header or request target moves the path the proof is checked against', async () => {
    for (const [trustProxy, extra] of [[false, {}], [true, {}], [true, { dpop: { publicUrl: PUBLIC } }]] as const) {
      const app = await listen(await target.build(options(extra), trustProxy));
      try {
        const local = `127.0.0.1:${app.port}`;
        const attempt = async (htu: string, request: { target?: string; host?: string; headers?: Array<[string, string]> }) => {
          const token = await issuer.sign({ cnf: key.cnf });
          const proof = createDpopProof({ key, method: 'GET', url: htu, token });
          const response = await sendRawRequest(app.port, { target: request.target ?? '/me', host: request.host, headers: [['Authorization', `DPoP ${token}`], ['DPoP', proof], ...(request.headers ?? [])] });
          return response.status;
        };
        const origin = 'publicUrl' in (extra.dpop ?? {}) ? PUBLIC : `http://${local}`;
        const attempts: Array<[string, Promise<number>]> = [
          ['Host with a path', attempt(`${origin}/public/status`, { host: `${local}/public/status?` })],
          ['Host ending in ?', attempt(`${origin}/`, { host: `${local}?` })],
          ['Host ending in #', attempt(`${origin}/`, { host: `${local}#` })],
          ['X-Forwarded-Host with a path', attempt(`https://api.public.example/public/status`, { headers: [['X-Forwarded-Host', 'api.public.example/public/status?'], ['X-Forwarded-Proto', 'https']] })],
          ['X-Forwarded-Proto with a path', attempt(`https://x/public/status`, { headers: [['X-Forwarded-Proto', 'https://x/public/status?']] })],
          ['absolute-form target', attempt('https://other-api.example/me', { target: 'https://other-api.example/me' })],
        ];
        for (const [name, status] of attempts) expect([name, await status]).not.toEqual([name, 200]);
      } finally {
        await app.close();
      }
    }
  });
});
