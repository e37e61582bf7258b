// Optional authentication in the Fastify plugin: a route marked `auth: 'optional'` under plugin-wide scopes, and
// the plugin-wide `optional: true` next to routes that ask for scopes themselves. Fastify 4 and 5.
import { createTestIssuer, tamperSignature, type TestIssuer } from '@tollgate/testing';
import fastify5 from 'fastify';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fastify4 from 'fastify4';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { tollgate, tollgateErrorHandler } from '../src/index.js';
import type { TollgateFastifyOptions } from '../src/index.js';
import { optionsFor } from './support.js';

let issuer: TestIssuer;
const apps: FastifyInstance[] = [];

beforeAll(async () => {
  issuer = await createTestIssuer();
});
afterAll(async () => {
  await issuer.close();
});
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

const frameworks: [string, () => FastifyInstance][] = [
  ['Fastify 5', () => fastify5()],
  ['Fastify 4', () => (fastify4 as unknown as typeof fastify5)()],
];

const bearer = async (claims: Record<string, unknown>) => `Bearer ${await issuer.sign(claims)}`;
const lacking = (scope: string) =>
  `Bearer realm="api", error="insufficient_scope", error_description="token lacks a required scope", scope="${scope}"`;
const echo = async (req: FastifyRequest) => ({ auth: req.auth ? { subject: req.auth.subject, scopes: req.auth.scopes } : null });

describe.each(frameworks)('%s', (_name, createApp) => {
  async function start(options: Partial<TollgateFastifyOptions>, routes: (app: FastifyInstance) => void): Promise<string> {
    const app = createApp();
    apps.push(app);
    app.setErrorHandler(tollgateErrorHandler());
    await app.register(tollgate, { ...optionsFor(issuer), ...options } as TollgateFastifyOptions);
    routes(app);
    return app.listen({ host: '127.0.0.1', port: 0 });
  }

  describe("a route with config: { auth: 'optional' } under plugin scopes: ['api']", () => {
    const routes = (app: FastifyInstance) => {
      app.get('/maybe', { config: { auth: 'optional' } }, echo);
      app.get('/required', echo);
    };

    it('passes a request without a token, with request.auth null', async () => {
      const url = await start({ scopes: ['api'] }, routes);
      const res = await request(url).get('/maybe');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ auth: null });
      // The plugin scopes still need a token on a route that is not optional.
      const required = await request(url).get('/required');
      expect(required.status).toBe(401);
      expect(required.headers['www-authenticate']).toBe('Bearer realm="api"');
    });

    it('answers 403 with scope="api" for a valid token without api', async () => {
      const url = await start({ scopes: ['api'] }, routes);
      const res = await request(url).get('/maybe').set('Authorization', await bearer({ scope: 'profile' }));
      expect(res.status).toBe(403);
      expect(res.headers['www-authenticate']).toBe(lacking('api'));
      expect(res.body).toEqual({ error: 'insufficient_scope', error_description: 'token lacks a required scope' });
    });

    it('answers 200 for a token with api, and 401 for a forged one', async () => {
      const url = await start({ scopes: ['api'] }, routes);
      const ok = await request(url).get('/maybe').set('Authorization', await bearer({ scope: 'api profile' }));
      expect(ok.status).toBe(200);
      expect(ok.body).toEqual({ auth: { subject: 'client-123', scopes: ['api', 'profile'] } });
      const forged = await request(url).get('/maybe').set('Authorization', `Bearer ${tamperSignature(await issuer.sign({ scope: 'api' }))}`);
      expect(forged.status).toBe(401);
      expect(forged.headers['www-authenticate']).toBe('Bearer realm="api", error="invalid_token", error_description="invalid signature"');
    });

    it('route scopes on an optional route: no token passes, a token must carry both the plugin and the route scopes', async () => {
      const url = await start({ scopes: ['api'] }, (app) => {
        app.get('/maybe-orders', { config: { auth: 'optional', scopes: ['orders:read'] } }, echo);
      });
      const anonymous = await request(url).get('/maybe-orders');
      expect(anonymous.status).toBe(200);
      expect(anonymous.body).toEqual({ auth: null });
      const onlyApi = await request(url).get('/maybe-orders').set('Authorization', await bearer({ scope: 'api' }));
      expect(onlyApi.status).toBe(403);
      expect(onlyApi.headers['www-authenticate']).toBe(lacking('orders:read'));
      const onlyOrders = await request(url).get('/maybe-orders').set('Authorization', await bearer({ scope: 'orders:read' }));
      expect(onlyOrders.status).toBe(403);
      expect(onlyOrders.headers['www-authenticate']).toBe(lacking('api'));
      const both = await request(url).get('/maybe-orders').set('Authorization', await bearer({ scope: 'orders:read api' }));
      expect(both.status).toBe(200);
    });
  });

  describe('plugin optional: true', () => {
    const routes = (app: FastifyInstance) => {
      app.get('/plain', echo);
      app.get('/orders', { config: { scopes: ['orders:read'] } }, echo);
    };

    it('a route with config: { scopes } still needs a token: 401 without one', async () => {
      const url = await start({ optional: true }, routes);
      const res = await request(url).get('/orders');
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer realm="api"');
      expect(res.body).toEqual({ error_description: 'bearer token required' });
    });

    it('a route with config: { scopes }: 403 without the scope, 200 with it', async () => {
      const url = await start({ optional: true }, routes);
      const without = await request(url).get('/orders').set('Authorization', await bearer({ scope: 'profile' }));
      expect(without.status).toBe(403);
      expect(without.headers['www-authenticate']).toBe(lacking('orders:read'));
      const withScope = await request(url).get('/orders').set('Authorization', await bearer({ scope: 'orders:read' }));
      expect(withScope.status).toBe(200);
      expect(withScope.body).toEqual({ auth: { subject: 'client-123', scopes: ['orders:read'] } });
    });

    it('a route without config passes with no token; a token there is still verified', async () => {
      const url = await start({ optional: true }, routes);
      const anonymous = await request(url).get('/plain');
      expect(anonymous.status).toBe(200);
      expect(anonymous.body).toEqual({ auth: null });
      const known = await request(url).get('/plain').set('Authorization', await bearer({ scope: 'profile' }));
      expect(known.status).toBe(200);
      expect(known.body).toEqual({ auth: { subject: 'client-123', scopes: ['profile'] } });
      const expired = await request(url).get('/plain').set('Authorization', `Bearer ${await issuer.sign({}, { expiresIn: -120 })}`);
      expect(expired.status).toBe(401);
      expect(expired.headers['www-authenticate']).toBe('Bearer realm="api", error="invalid_token", error_description="token expired"');
    });

    it('with plugin scopes too: a route without config passes with no token, but a token lacking them is 403', async () => {
      const url = await start({ optional: true, scopes: ['api'] }, routes);
      const anonymous = await request(url).get('/plain');
      expect(anonymous.status).toBe(200);
      expect(anonymous.body).toEqual({ auth: null });
      const lackingApi = await request(url).get('/plain').set('Authorization', await bearer({ scope: 'profile' }));
      expect(lackingApi.status).toBe(403);
      expect(lackingApi.headers['www-authenticate']).toBe(lacking('api'));
      expect((await request(url).get('/orders')).status).toBe(401);
    });
  });
});
