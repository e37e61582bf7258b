// Several test issuers under one origin, as a multi-tenant provider serves them: a small HTTP proxy on
// 127.0.0.1 routes /<tenant>/... (and the RFC 8414 well-known URL of /<tenant>) to that tenant's own
// createTestIssuer, so each tenant has its own keys and its own request counts.
import { request as httpRequest } from 'node:http';
import { createTestIssuer, type TestIssuer } from '@tollgate/testing';
import { startServer, type LocalServer } from './jwks-support.js';

/** One tenant: its issuer identifier under the proxy, and the test issuer behind it. */
export interface Tenant {
  /** `http://127.0.0.1:<proxy>/<name>`: the iss of its tokens. */
  readonly issuer: string;
  readonly name: string;
  readonly server: TestIssuer;
  /** Signs a token of this tenant (its iss set to {@link Tenant.issuer}). */
  sign(claims?: Record<string, unknown>): Promise<string>;
}

/** The proxy and its tenants. */
export interface TenantIssuers {
  /** `http://127.0.0.1:<proxy>` */
  readonly origin: string;
  /** `http://127.0.0.1:<proxy>/{tenant}` */
  readonly pattern: string;
  readonly tenants: Readonly<Record<string, Tenant>>;
  /** Request paths the proxy was asked for, tenants unknown to it included. */
  readonly requests: readonly string[];
  /** Requests served by every tenant's issuer, in total. */
  upstreamRequests(): number;
  /** Forgets every request, on the proxy and on each tenant's issuer. */
  resetRequests(): void;
  close(): Promise<void>;
}

/** Starts the proxy and one test issuer per name. */
export async function startTenantIssuers(names: readonly string[]): Promise<TenantIssuers> {
  const upstream = new Map<string, TestIssuer>();
  const tenantOf = (path: string): string | undefined => {
    const rfc8414 = /^\/\.well-known\/oauth-authorization-server\/([^/]+)/.exec(path);
    return (rfc8414 ?? /^\/([^/]+)\//.exec(path))?.[1];
  };
  const proxy: LocalServer = await startServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const target = upstream.get(tenantOf(path) ?? '');
    if (!target) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{}');
      return;
    }
    const forwarded = httpRequest(new URL(req.url ?? '/', new URL(target.issuer).origin), { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    forwarded.on('error', () => res.destroy());
    req.pipe(forwarded);
  });
  const tenants: Record<string, Tenant> = {};
  for (const name of names) {
    const issuer = `${proxy.origin}/${name}`;
    // Two algorithms, one RSA key: six issuers' key generation is most of this suite's set-up time.
    const server = await createTestIssuer({ algorithms: ['RS256', 'ES256'], path: `/${name}`, advertisedIssuer: issuer, advertisedJwksUri: `${issuer}/.well-known/jwks.json` });
    upstream.set(name, server);
    tenants[name] = { issuer, name, server, sign: (claims = {}) => server.sign({ iss: issuer, ...claims }) };
  }
  return {
    origin: proxy.origin,
    pattern: `${proxy.origin}/{tenant}`,
    tenants,
    requests: proxy.requests,
    upstreamRequests: () => [...upstream.values()].reduce((sum, server) => sum + server.requests.total, 0),
    resetRequests() {
      proxy.requests.length = 0;
      for (const server of upstream.values()) server.resetRequests();
    },
    async close() {
      await proxy.close();
      await Promise.all([...upstream.values()].map((server) => server.close()));
    },
  };
}
