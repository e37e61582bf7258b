// The CORS order docs/frameworks.md documents, with each framework's usual CORS package mounted before tollgate: the
// preflight is answered by the CORS handler (never 401), the real request is still authenticated. Every major.
import fastifyCors from '@fastify/cors';
import koaCors from '@koa/cors';
import Router from '@koa/router';
import cors from 'cors';
import fastifyCors9 from 'fastify-cors9';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import * as tollgateExpress from '../../packages/express/src/index.js';
import * as tollgateFastify from '../../packages/fastify/src/index.js';
import * as tollgateKoa from '../../packages/koa/src/index.js';
import { byName, EXPRESS_VERSIONS, FASTIFY_VERSIONS, KOA_VERSIONS } from '../support/frameworks.js';
import { useIssuer } from '../support/issuer.js';
import { serve, serveFastify, type Served } from '../support/server.js';

const issuer = useIssuer();
const ORIGIN = 'https://app.example.test';
const open: Served[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((served) => served.close()));
});

/** Starts an app answering GET /orders with the token's subject, behind the framework's CORS package, then tollgate. */
type Start = () => Promise<string>;

const apps: [string, Start][] = [
  ...EXPRESS_VERSIONS.map((version): [string, Start] => [
    version.name,
    async () => {
      const app = version.module();
      app.use(cors({ origin: ORIGIN }));
      app.use(tollgateExpress.requireAuth(issuer.options()));
      app.get('/orders', (req, res) => {
        res.json({ subject: req.auth?.subject });
      });
      app.use(tollgateExpress.tollgateErrorHandler());
      const served = await serve(app);
      open.push(served);
      return served.url;
    },
  ]),
  ...KOA_VERSIONS.map((version): [string, Start] => [
    version.name,
    async () => {
      const app = new version.module();
      const router = new Router();
      router.get('/orders', (ctx) => {
        ctx.body = { subject: ctx.state.auth?.subject };
      });
      app.use(koaCors({ origin: ORIGIN }));
      app.use(tollgateKoa.tollgateErrorHandler());
      app.use(tollgateKoa.requireAuth(issuer.options()));
      app.use(router.routes());
      const served = await serve(app.callback());
      open.push(served);
      return served.url;
    },
  ]),
  ...FASTIFY_VERSIONS.map((version): [string, Start] => [
    version.name,
    async () => {
      const app = version.module();
      app.setErrorHandler(tollgateFastify.tollgateErrorHandler());
      await app.register((version.major === 4 ? fastifyCors9 : fastifyCors) as never, { origin: ORIGIN });
      await app.register(tollgateFastify.tollgate, issuer.options());
      app.get('/orders', async (req) => ({ subject: req.auth?.subject }));
      const served = await serveFastify(app);
      open.push(served);
      return served.url;
    },
  ]),
];

describe.each(apps)('%s with its CORS package mounted before tollgate', (_name, start) => {
  it('answers the preflight from the CORS handler, not 401', async () => {
    const url = await start();
    const res = await request(url).options('/orders').set('Origin', ORIGIN).set('Access-Control-Request-Method', 'GET').set('Access-Control-Request-Headers', 'authorization');
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe(ORIGIN);
    expect(res.headers['www-authenticate']).toBeUndefined();
  });

  it('still authenticates the request itself', async () => {
    const url = await start();
    const anonymous = await request(url).get('/orders').set('Origin', ORIGIN);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers['www-authenticate']).toBe('Bearer realm="api"');
    const ok = await request(url).get('/orders').set('Origin', ORIGIN).set('Authorization', await issuer.bearer());
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ subject: 'client-123' });
    expect(ok.headers['access-control-allow-origin']).toBe(ORIGIN);
  });
});
