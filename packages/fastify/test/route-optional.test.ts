// Optional authentication in the Fastify plugin: a route marked `auth: 'optional'` under plugin-wide scopes, and
// the plugin-wide `optional: true` next to plugin-wide scopes. Fastify 4 and 5. The plugin-wide `optional: true`
// with route scopes is checked with every adapter in test/adapters/guard-options.test.ts.
import { tamperSignature } from '@tollgate/testing';
import type { FastifyInstance } from 'fastify';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { byName, FASTIFY_VERSIONS } from '../../../test/support/frameworks.js';
import { useIssuer } from '../../../test/support/issuer.js';
import { echo, lacking, usePluginApps } from './plugin-app.js';

const issuer = useIssuer();
const pluginApps = usePluginApps(issuer);
const bearer = issuer.bearer;

describe.each(byName(FASTIFY_VERSIONS))('%s', (_framework, version) => {
  const { start } = pluginApps(version);

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

    it("route scopes on an optional route are refused at declaration unless scopesIfPresent asks for the anonymous pass", async () => {
      await expect(
        start({ scopes: ['api'] }, (app) => {
          app.get('/maybe-orders', { config: { auth: 'optional', scopes: ['orders:read'] } }, echo);
        }),
      ).rejects.toThrow(
        "@tollgate/fastify: GET /maybe-orders config.auth: 'optional' with scopes would let requests without a token through; remove auth: 'optional' to require a token with these scopes, or add scopesIfPresent: true to check them only when a token is sent",
      );
    });

    it('route scopes on an optional route with scopesIfPresent: no token passes, a token must carry both the plugin and the route scopes', async () => {
      const url = await start({ scopes: ['api'] }, (app) => {
        app.get('/maybe-orders', { config: { auth: 'optional', scopes: ['orders:read'], scopesIfPresent: true } }, echo);
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
    it('with plugin scopes: refused at registration unless scopesIfPresent asks for the anonymous pass', async () => {
      await expect(start({ optional: true, scopes: ['api'] }, () => undefined)).rejects.toThrow(
        '@tollgate/fastify: optional: true with scopes would let requests without a token reach routes that require scopes; drop optional to require a token, or add scopesIfPresent: true to check the scopes only when a token is sent',
      );
    });

    it('with plugin scopes and scopesIfPresent: a route without config passes with no token, but a token lacking them is 403', async () => {
      const url = await start({ optional: true, scopes: ['api'], scopesIfPresent: true }, (app) => {
        app.get('/plain', echo);
        app.get('/orders', { config: { scopes: ['orders:read'] } }, echo);
      });
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
