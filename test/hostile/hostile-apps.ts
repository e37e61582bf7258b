// The apps the hostile suites attack: the conformance app factories, for every framework major, with a
// hostile-suite spec (frozen clock, one issuer), served on 127.0.0.1 and checked response by response.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { VerifierOptions } from '@tollgate/core';
import { createExpressApp } from '../conformance/apps/express.js';
import { createFastifyApp } from '../conformance/apps/fastify.js';
import { createHonoApp } from '../conformance/apps/hono.js';
import { createKoaApp } from '../conformance/apps/koa.js';
import { createNestApp, nestPlatform } from '../conformance/apps/nest.js';
import type { SendResponse } from '../conformance/http.js';
import type { AppSpec } from '../conformance/spec.js';
import { EXPRESS_VERSIONS, FASTIFY_VERSIONS, HONO_VERSIONS, KOA_VERSIONS } from '../support/frameworks.js';
import { leaks } from '../support/leaks.js';

/** Realm of every hostile app and verifier. */
export const REALM = 'hostile';

/** One framework at one major version, and how to build its app. */
export interface HostileFramework {
  readonly name: string;
  build(spec: AppSpec): Promise<Server>;
}

/** Express 4 and 5, Koa 2 and 3, Fastify 4 and 5, Hono 4. */
export const FRAMEWORKS: readonly HostileFramework[] = [
  ...EXPRESS_VERSIONS.map((v) => ({ name: v.name, build: (spec: AppSpec) => createExpressApp(v.module, spec) })),
  ...KOA_VERSIONS.map((v) => ({ name: v.name, build: (spec: AppSpec) => createKoaApp(v.module, spec) })),
  ...FASTIFY_VERSIONS.map((v) => ({ name: v.name, build: (spec: AppSpec) => createFastifyApp(v.module, spec) })),
  ...(['express', 'fastify'] as const).map((platform) => ({ name: `nest-${platform}`, build: async (spec: AppSpec) => createNestApp(await nestPlatform(platform), spec) })),
  ...HONO_VERSIONS.map((v) => ({ name: v.name, build: (spec: AppSpec) => createHonoApp(v.module, spec) })),
];

/** Routes of every hostile app: each guard kind, so a bad token is tried against all of them. */
export const ROUTES = ['/me', '/orders', '/optional', '/decorated'] as const;

/**
 * The spec of a hostile app: authentication, a scope, optional authentication and a decorated handler.
 * @example const server = await FRAMEWORKS[0]!.build(hostileSpec(hostileVerifierOptions(issuer, 'default')));
 */
export function hostileSpec(verifier: VerifierOptions): AppSpec {
  return {
    verifier,
    guard: {},
    layout: 'per-route',
    routes: [
      { path: '/me', kind: 'auth' },
      { path: '/orders', kind: 'scopes', scopes: ['orders:read'] },
      { path: '/optional', kind: 'optional' },
      { path: '/decorated', kind: 'decorated' },
    ],
  };
}

/** A listening app and the number of requests that reached it (past Node's HTTP parser). */
export interface RunningApp {
  readonly port: number;
  readonly requestsSeen: number;
  close(): Promise<void>;
}

/**
 * Listens on 127.0.0.1 and counts the requests Node hands to the app.
 * @example const app = await listen(server); await send(app.port, { path: '/me' }); await app.close();
 */
export async function listen(server: Server): Promise<RunningApp> {
  let seen = 0;
  server.on('request', () => {
    seen += 1;
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    port,
    get requestsSeen() {
      return seen;
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

/**
 * The first window of `length` characters of `haystack` that also occurs in `secret`, if any: a response
 * that quotes 10 characters of a token in a row echoes it.
 * @example echoedWindow('error: eyJhbGciOiJ...', token) // 'eyJhbGciOi' when the token starts so
 */
export function echoedWindow(haystack: string, secret: string, length = 10): string | undefined {
  if (secret.length < length) return undefined;
  for (let i = 0; i + length <= haystack.length; i += 1) {
    const window = haystack.slice(i, i + length);
    if (secret.includes(window)) return window;
  }
  return undefined;
}

/**
 * Everything a response shows a client: status line aside, its headers and body as one text.
 * @example responseText(await send(port, { path: '/me' })).includes('stack')
 */
export function responseText(response: SendResponse): string {
  const headers = Object.entries(response.headers)
    .map(([name, value]) => `${name}: ${Array.isArray(value) ? value.join(', ') : String(value)}`)
    .join('\n');
  return `${headers}\n\n${response.text}`;
}

/**
 * Problems with a response to a hostile request: what it leaks or echoes. Empty when clean.
 * @example expect(responseLeaks(response, [token])).toEqual([]);
 */
export function responseLeaks(response: SendResponse, secrets: readonly string[]): string[] {
  const text = responseText(response);
  const found = leaks(text);
  for (const secret of secrets) {
    const window = echoedWindow(text, secret);
    // Describe the echo by its position only: the report must not carry token text either.
    if (window !== undefined) found.push(`echoes ${window.length} characters of the token at offset ${secret.indexOf(window)}`);
  }
  return found;
}
