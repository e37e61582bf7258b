// The demo: a local issuer, the same protected route on Express, Koa and Fastify, and a few requests.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createTestIssuer } from '@tollgate/testing';
import { createExpressControllerApp } from './express-controller.js';
import { createExpressApp } from './express-app.js';
import { createFastifyControllerApp } from './fastify-controller.js';
import { createFastifyApp } from './fastify-app.js';
import { createKoaControllerApp } from './koa-controller.js';
import { createKoaApp } from './koa-app.js';

const listen = (server: Server) =>
  new Promise<string>((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));

const issuer = await createTestIssuer();
// The test issuer is plain http on 127.0.0.1, hence allowInsecureRequests (never in production).
const options = { issuer: issuer.issuer, audience: issuer.audience, allowInsecureRequests: true };
const fastify = await createFastifyApp(options);
await fastify.ready();
const fastifyController = await createFastifyControllerApp(options);
await fastifyController.ready();
const servers: Array<[string, Server]> = [
  ['express', createExpressApp(options).listen(0, '127.0.0.1')],
  ['koa', createKoaApp(options).listen(0, '127.0.0.1')],
  ['fastify', fastify.server],
  ['express controller (@RequireScope)', createExpressControllerApp(options).listen(0, '127.0.0.1')],
  ['koa controller (@RequireScope)', createKoaControllerApp(options).listen(0, '127.0.0.1')],
  ['fastify controller (@RequireScope)', fastifyController.server],
];

const requests: Array<[string, string | undefined]> = [
  ['a valid token with orders:read', await issuer.sign({ scope: 'orders:read' })],
  ['no token', undefined],
  ['a token without the scope', await issuer.sign({ scope: 'profile' })],
  ['an expired token', await issuer.sign({ scope: 'orders:read' }, { expiresIn: -60 })],
  ['a token for another API', await issuer.sign({ scope: 'orders:read', aud: 'https://other.example' })],
  ['alg: none', issuer.unsafe.algNone({ scope: 'orders:read' })],
];

try {
  for (const [name, server] of servers) {
    const base = server.listening ? `http://127.0.0.1:${(server.address() as AddressInfo).port}` : await listen(server);
    console.log(`\n${name} (${base})`);
    for (const [label, token] of requests) {
      const response = await fetch(`${base}/orders`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
      const challenge = response.headers.get('www-authenticate');
      console.log(`  ${label.padEnd(32)} ${response.status} ${await response.text()}${challenge ? `\n  ${''.padEnd(32)}     WWW-Authenticate: ${challenge}` : ''}`);
    }
  }
  console.log(`\nthe issuer served ${issuer.requests.discovery} discovery and ${issuer.requests.jwks} JWKS requests in all`);
} finally {
  await fastify.close();
  await fastifyController.close();
  for (const [, server] of servers) server.close();
  await issuer.close();
}
