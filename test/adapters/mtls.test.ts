// mTLS certificate-bound tokens (RFC 8705 section 3) through every adapter: a real HTTPS server on 127.0.0.1 with
// requestCert, a CA, server and client certificates made at test time, and the trusted proxy header formats.
import { request as httpsRequest, createServer as createHttpsServer, type ServerOptions } from 'node:https';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import * as tollgateExpress from '@tollgate/express';
import tollgateFastify from '@tollgate/fastify';
import * as tollgateHono from '@tollgate/hono';
import * as tollgateKoa from '@tollgate/koa';
import type { CertificateHeaderFormat, VerifierOptions } from '@tollgate/core';
import { createTestCertificates, createTestIssuer, type TestCertificate, type TestCertificates, type TestIssuer } from '@tollgate/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNestBindingApp } from './nest-binding-app.js';
import { EXPRESS_VERSIONS, FASTIFY_VERSIONS, HONO_VERSIONS, KOA_VERSIONS } from '../support/frameworks.js';

/** Builds an HTTPS app with one route, GET /me, behind requireAuth (or the plugin or guard). */
type Build = (options: VerifierOptions, tls: ServerOptions) => Promise<Server>;

const TARGETS: Array<{ name: string; build: Build }> = [
  ...EXPRESS_VERSIONS.map((v) => ({
    name: v.name,
    build: async (options: VerifierOptions, tls: ServerOptions) => {
      const app = v.module();
      app.get('/me', tollgateExpress.requireAuth(options), (req, res) => {
        res.json(req.auth?.binding);
      });
      app.use(tollgateExpress.tollgateErrorHandler());
      return createHttpsServer(tls, app) as unknown as Server;
    },
  })),
  ...KOA_VERSIONS.map((v) => ({
    name: v.name,
    build: async (options: VerifierOptions, tls: ServerOptions) => {
      const app = new v.module();
      app.use(tollgateKoa.requireAuth(options));
      app.use((ctx) => {
        ctx.body = ctx.state.auth?.binding;
      });
      return createHttpsServer(tls, app.callback()) as unknown as Server;
    },
  })),
  ...FASTIFY_VERSIONS.map((v) => ({
    name: v.name,
    build: async (options: VerifierOptions, tls: ServerOptions) => {
      // Fastify's https overload has its own instance type; the routes the suite adds are the same.
      const app = v.module({ https: tls } as never) as unknown as ReturnType<typeof v.module>;
      await app.register(tollgateFastify, options);
      app.get('/me', async (request: { auth?: { binding: unknown } | null }) => request.auth?.binding);
      await app.ready();
      return app.server;
    },
  })),
  ...(['express', 'fastify'] as const).map((platform) => ({
    name: `nest-${platform}`,
    build: async (options: VerifierOptions, tls: ServerOptions) => {
      if (platform === 'express') {
        const { ExpressAdapter } = await import('@nestjs/platform-express');
        const { default: express } = await import('express');
        const instance = express();
        await createNestBindingApp(options, new ExpressAdapter(instance));
        // The Nest app's routes live on the Express instance, served here over TLS.
        return createHttpsServer(tls, instance) as unknown as Server;
      }
      const { FastifyAdapter } = await import('@nestjs/platform-fastify');
      return createNestBindingApp(options, new FastifyAdapter({ https: tls } as never));
    },
  })),
  ...HONO_VERSIONS.map((v) => ({
    name: v.name,
    build: async (options: VerifierOptions, tls: ServerOptions) => {
      const app = new v.module();
      app.onError(tollgateHono.tollgateErrorHandler());
      app.get('/me', tollgateHono.requireAuth(options), (c) => c.json((c.get('auth') as { binding: unknown } | undefined)?.binding ?? null));
      return createAdaptorServer({ fetch: app.fetch, createServer: createHttpsServer, serverOptions: tls }) as Server;
    },
  })),
];

let issuer: TestIssuer;
let certs: TestCertificates;
let other: TestCertificate;
beforeAll(async () => {
  issuer = await createTestIssuer({ algorithms: ['ES256'] });
  certs = await createTestCertificates();
  other = await certs.createClient({ commonName: 'other' });
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

interface Outcome {
  status: number;
  error: string | undefined;
  binding?: unknown;
}

/** GET /me over a fresh TLS connection presenting `client` (or no certificate), with `token` as a bearer token. */
function get(port: number, token: string, client: TestCertificate | undefined, headers: Record<string, string> = {}): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      { host: '127.0.0.1', port, path: '/me', agent: false, headers: { authorization: `Bearer ${token}`, ...headers }, ...certs.clientOptions(client) },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => {
          const challenge = res.headers['www-authenticate'];
          const error = typeof challenge === 'string' ? /error="([a-z_]+)"/.exec(challenge)?.[1] : undefined;
          resolve(res.statusCode === 200 ? { status: 200, error, binding: JSON.parse(body) as unknown } : { status: res.statusCode!, error });
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const hex = (certificate: TestCertificate) => Buffer.from(certificate.thumbprint, 'base64url').toString('hex');
const FORMATS: Record<CertificateHeaderFormat, { header: string; write: (c: TestCertificate) => string }> = {
  'pem-urlencoded': { header: 'x-ssl-client-cert', write: (c) => encodeURIComponent(c.pem) },
  xfcc: { header: 'x-forwarded-client-cert', write: (c) => `By=spiffe://cluster.local/ns/api;Hash=${hex(c)};Cert="${encodeURIComponent(c.pem)}";Subject="CN=client"` },
  'base64-der': { header: 'x-arr-clientcert', write: (c) => c.der.toString('base64') },
};

describe.each(TARGETS.map((t) => [t.name, t] as const))('%s', (_name, target) => {
  const options = (extra: Partial<VerifierOptions> = {}): VerifierOptions => ({
    issuer: issuer.issuer,
    audience: issuer.audience,
    jwksUri: issuer.jwksUri,
    allowInsecureRequests: true,
    ...extra,
  });
  const refused = { status: 401, error: 'invalid_token' };

  it('TLS client certificate: the bound token with its certificate passes; another certificate or none is refused; a bearer token is unaffected', async () => {
    const app = await listen(await target.build(options(), certs.serverOptions()));
    try {
      const token = await issuer.sign({ cnf: certs.client.cnf });
      expect(await get(app.port, token, certs.client)).toEqual({ status: 200, error: undefined, binding: { kind: 'mtls', x5tS256: certs.client.thumbprint } });
      expect(await get(app.port, token, other)).toEqual(refused);
      expect(await get(app.port, token, undefined)).toEqual(refused);
      const bearer = await issuer.sign();
      expect(await get(app.port, bearer, undefined)).toEqual({ status: 200, error: undefined, binding: { kind: 'none' } });
      expect(await get(app.port, bearer, other)).toEqual({ status: 200, error: undefined, binding: { kind: 'none' } });
    } finally {
      await app.close();
    }
  });

  it('a certificate header is ignored unless configured', async () => {
    const app = await listen(await target.build(options(), certs.serverOptions()));
    try {
      const token = await issuer.sign({ cnf: certs.client.cnf });
      for (const { header, write } of Object.values(FORMATS)) expect(await get(app.port, token, undefined, { [header]: write(certs.client) })).toEqual(refused);
    } finally {
      await app.close();
    }
  });

  describe.each(Object.entries(FORMATS))('proxy header %s', (format, { header, write }) => {
    it('the right certificate passes; a wrong, malformed, oversized or absent one is refused, and the socket certificate is not used', async () => {
      const mtls = { certificateHeader: { name: header, format: format as CertificateHeaderFormat } };
      const app = await listen(await target.build(options({ mtls }), certs.serverOptions()));
      try {
        const token = await issuer.sign({ cnf: certs.client.cnf });
        expect(await get(app.port, token, undefined, { [header]: write(certs.client) })).toEqual({ status: 200, error: undefined, binding: { kind: 'mtls', x5tS256: certs.client.thumbprint } });
        expect(await get(app.port, token, undefined, { [header]: write(other) })).toEqual(refused);
        expect(await get(app.port, token, undefined, { [header]: 'Cert="%E0%A4%A"' })).toEqual(refused);
        // Within Node's 16 KiB header limit, so tollgate's own bound answers it.
        expect(await get(app.port, token, undefined, { [header]: 'A'.repeat(15000) })).toEqual(refused);
        expect(await get(app.port, token, undefined)).toEqual(refused);
        // The proxy terminates TLS: a certificate on the socket is the proxy's, never the client's.
        expect(await get(app.port, token, certs.client)).toEqual(refused);
        expect(await get(app.port, await issuer.sign(), undefined, { [header]: 'garbage' })).toEqual({ status: 200, error: undefined, binding: { kind: 'none' } });
      } finally {
        await app.close();
      }
    });
  });
});
