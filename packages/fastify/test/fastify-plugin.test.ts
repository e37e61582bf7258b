// The Fastify plugin: route config (auth, scopes, anyScopes), global and plugin-wide scopes, fastify.requireScope,
// Fastify 4 and 5, and the fastify-plugin metadata that makes request.auth visible to sibling plugins. The plugin's
// optional, allowQuery and realm options are checked with every adapter in test/adapters/guard-options.test.ts.
import { tamperSignature } from '@tollgate/testing';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { byName, FASTIFY_VERSIONS } from '../../../test/support/frameworks.js';
import { useIssuer } from '../../../test/support/issuer.js';
import tollgateDefault, { tollgate } from '../src/index.js';
import { echo, lacking, usePluginApps } from './plugin-app.js';

const issuer = useIssuer();
const pluginApps = usePluginApps(issuer);
const bearer = issuer.bearer;

describe.each(byName(FASTIFY_VERSIONS))('%s', (_framework, version) => {
  const { create, start } = pluginApps(version);

  describe('with the default global: true', () => {
    it('protects a route without config, and leaves config: { auth: false } public', async () => {
      const url = await start({}, (app) => {
        app.get('/private', echo);
        app.get('/public', { config: { auth: false } }, echo);
      });
      const denied = await request(url).get('/private');
      expect(denied.status).toBe(401);
      expect(denied.headers['www-authenticate']).toBe('Bearer realm="api"');
      const allowed = await request(url).get('/private').set('Authorization', await bearer({ scope: 'x' }));
      expect(allowed.status).toBe(200);
      expect(allowed.body).toEqual({ auth: { subject: 'client-123', scopes: ['x'] } });

      const open = await request(url).get('/public');
      expect(open.status).toBe(200);
      expect(open.body).toEqual({ auth: null });
      // A public route does not look at the token at all, not even a broken one.
      const broken = await request(url).get('/public').set('Authorization', `Bearer ${tamperSignature(await issuer.sign())}`);
      expect(broken.status).toBe(200);
      expect(broken.body).toEqual({ auth: null });
    });

    it('config: { auth: "optional" } passes without a token, sets a valid one, and refuses a bad one', async () => {
      const url = await start({}, (app) => {
        app.get('/maybe', { config: { auth: 'optional' } }, echo);
      });
      const anonymous = await request(url).get('/maybe');
      expect(anonymous.status).toBe(200);
      expect(anonymous.body).toEqual({ auth: null });
      const known = await request(url).get('/maybe').set('Authorization', await bearer({ scope: 'profile' }));
      expect(known.status).toBe(200);
      expect(known.body).toEqual({ auth: { subject: 'client-123', scopes: ['profile'] } });
      // request.auth does not carry over from the previous request.
      const anonymousAgain = await request(url).get('/maybe');
      expect(anonymousAgain.body).toEqual({ auth: null });
      const expired = await request(url).get('/maybe').set('Authorization', `Bearer ${await issuer.sign({}, { expiresIn: -120 })}`);
      expect(expired.status).toBe(401);
      expect(expired.headers['www-authenticate']).toBe('Bearer realm="api", error="invalid_token", error_description="token expired"');
    });

    it('config: { scopes } requires all of them, config: { anyScopes } one of them', async () => {
      const url = await start({}, (app) => {
        app.get('/all', { config: { scopes: ['orders:read', 'orders:write'] } }, echo);
        app.get('/any', { config: { anyScopes: ['orders:read', 'orders:admin'] } }, echo);
      });
      const partial = await request(url).get('/all').set('Authorization', await bearer({ scope: 'orders:read' }));
      expect(partial.status).toBe(403);
      expect(partial.headers['www-authenticate']).toBe(lacking('orders:read orders:write'));
      const full = await request(url).get('/all').set('Authorization', await bearer({ scope: 'orders:write orders:read' }));
      expect(full.status).toBe(200);

      const one = await request(url).get('/any').set('Authorization', await bearer({ scp: ['orders:admin'] }));
      expect(one.status).toBe(200);
      const none = await request(url).get('/any').set('Authorization', await bearer({ scope: 'profile' }));
      expect(none.status).toBe(403);
      expect(none.headers['www-authenticate']).toBe(
        'Bearer realm="api", error="insufficient_scope", error_description="token lacks any of the required scopes", scope="orders:read orders:admin"',
      );
    });

    it('fastify.requireScope as a preHandler checks the scope of the token the plugin verified', async () => {
      const url = await start({}, (app) => {
        app.get('/admin', { preHandler: app.requireScope('admin') }, echo);
        app.get('/maybe-admin', { config: { auth: 'optional' }, preHandler: app.requireAnyScope('admin', 'root') }, echo);
      });
      expect((await request(url).get('/admin').set('Authorization', await bearer({ scope: 'admin' }))).status).toBe(200);
      const user = await request(url).get('/admin').set('Authorization', await bearer({ scope: 'user' }));
      expect(user.status).toBe(403);
      expect(user.headers['www-authenticate']).toBe(lacking('admin'));
      expect(user.body).toEqual({ error: 'insufficient_scope', error_description: 'token lacks a required scope' });
      // A scope requirement needs a token even on an optional route.
      const anonymous = await request(url).get('/maybe-admin');
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers['www-authenticate']).toBe('Bearer realm="api"');
      expect((await request(url).get('/maybe-admin').set('Authorization', await bearer({ scope: 'root' }))).status).toBe(200);
    });

    it('the plugin scopes option applies to every authenticated route, on top of route scopes', async () => {
      const url = await start({ scopes: ['api:access'] }, (app) => {
        app.get('/plain', echo);
        app.get('/orders', { config: { scopes: ['orders:read'] } }, echo);
        app.get('/public', { config: { auth: false } }, echo);
      });
      const without = await request(url).get('/plain').set('Authorization', await bearer({ scope: 'orders:read' }));
      expect(without.status).toBe(403);
      expect(without.headers['www-authenticate']).toBe(lacking('api:access'));
      expect((await request(url).get('/plain').set('Authorization', await bearer({ scope: 'api:access' }))).status).toBe(200);

      const onlyGlobal = await request(url).get('/orders').set('Authorization', await bearer({ scope: 'api:access' }));
      expect(onlyGlobal.status).toBe(403);
      expect(onlyGlobal.headers['www-authenticate']).toBe(lacking('orders:read'));
      const onlyRoute = await request(url).get('/orders').set('Authorization', await bearer({ scope: 'orders:read' }));
      expect(onlyRoute.status).toBe(403);
      expect(onlyRoute.headers['www-authenticate']).toBe(lacking('api:access'));
      const both = await request(url).get('/orders').set('Authorization', await bearer({ scope: 'orders:read api:access' }));
      expect(both.status).toBe(200);

      expect((await request(url).get('/public')).status).toBe(200);
    });

    it('fastify.requireScope as a preHandler puts the plugin realm in its challenge', async () => {
      const url = await start({ realm: 'orders-api' }, (app) => {
        app.get('/admin', { preHandler: app.requireScope('admin') }, echo);
      });
      const res = await request(url).get('/admin').set('Authorization', await bearer({ scope: 'x' }));
      expect(res.status).toBe(403);
      expect(res.headers['www-authenticate']).toBe(
        'Bearer realm="orders-api", error="insufficient_scope", error_description="token lacks a required scope", scope="admin"',
      );
    });
  });

  describe('with global: false', () => {
    it('checks only routes with tollgate config or a requireScope preHandler', async () => {
      const url = await start({ global: false }, (app) => {
        app.get('/open', echo);
        app.get('/authenticated', { config: { auth: true } }, echo);
        app.get('/scoped', { config: { scopes: ['orders:read'] } }, echo);
        app.get('/any', { config: { anyScopes: ['a', 'b'] } }, echo);
        app.get('/maybe', { config: { auth: 'optional' } }, echo);
        app.get('/pre', { preHandler: app.requireScope('admin') }, echo);
      });
      const broken = `Bearer ${tamperSignature(await issuer.sign({ scope: 'orders:read' }))}`;
      const open = await request(url).get('/open').set('Authorization', broken);
      expect(open.status).toBe(200);
      expect(open.body).toEqual({ auth: null });

      for (const path of ['/authenticated', '/scoped', '/any', '/pre']) {
        const res = await request(url).get(path);
        expect([path, res.status, res.headers['www-authenticate']]).toEqual([path, 401, 'Bearer realm="api"']);
      }
      expect((await request(url).get('/authenticated').set('Authorization', await bearer({ scope: 'x' }))).status).toBe(200);
      expect((await request(url).get('/scoped').set('Authorization', await bearer({ scope: 'x' }))).status).toBe(403);
      expect((await request(url).get('/scoped').set('Authorization', await bearer({ scope: 'orders:read' }))).status).toBe(200);
      expect((await request(url).get('/any').set('Authorization', await bearer({ scope: 'b' }))).status).toBe(200);
      expect((await request(url).get('/pre').set('Authorization', await bearer({ scope: 'x' }))).status).toBe(403);
      const pre = await request(url).get('/pre').set('Authorization', await bearer({ scope: 'admin' }));
      expect(pre.status).toBe(200);
      expect(pre.body).toEqual({ auth: { subject: 'client-123', scopes: ['admin'] } });
      expect((await request(url).get('/maybe')).body).toEqual({ auth: null });
      expect((await request(url).get('/maybe').set('Authorization', broken)).status).toBe(401);
    });
  });

  describe('fastify-plugin metadata', () => {
    it('makes request.auth and fastify.requireScope visible to sibling and child plugins', async () => {
      const url = await start({}, (app) => {
        void app.register(async (sibling) => {
          sibling.get('/sibling', echo);
          sibling.get('/sibling-admin', { preHandler: sibling.requireScope('admin') }, echo);
          void sibling.register(async (child) => {
            child.get('/child', { config: { scopes: ['orders:read'] } }, echo);
          });
        });
      });
      expect((await request(url).get('/sibling')).status).toBe(401);
      const sibling = await request(url).get('/sibling').set('Authorization', await bearer({ scope: 'orders:read' }));
      expect(sibling.status).toBe(200);
      expect(sibling.body).toEqual({ auth: { subject: 'client-123', scopes: ['orders:read'] } });
      expect((await request(url).get('/sibling-admin').set('Authorization', await bearer({ scope: 'orders:read' }))).status).toBe(403);
      expect((await request(url).get('/child').set('Authorization', await bearer({ scope: 'profile' }))).status).toBe(403);
      expect((await request(url).get('/child').set('Authorization', await bearer({ scope: 'orders:read' }))).status).toBe(200);
    });

    it('decorates the root instance, not an encapsulated child', async () => {
      const app = create();
      await app.register(tollgate, issuer.options());
      await app.ready();
      expect(app.hasRequestDecorator('auth')).toBe(true);
      expect(app.hasDecorator('requireScope')).toBe(true);
      expect(app.hasDecorator('requireAnyScope')).toBe(true);
      expect(app.hasPlugin('@tollgate/fastify')).toBe(true);
    });
  });

  it('refuses an invalid scope in its scopes option', async () => {
    await expect(create().register(tollgate, { ...issuer.options(), scopes: ['orders read'] })).rejects.toThrow('"orders read" is not a valid scope');
  });
});

describe('the exported plugin', () => {
  it('carries the fastify-plugin name, version range and skip-override', () => {
    const plugin = tollgate as unknown as Record<symbol, unknown>;
    expect(plugin[Symbol.for('fastify.display-name')]).toBe('@tollgate/fastify');
    expect(plugin[Symbol.for('skip-override')]).toBe(true);
    expect(plugin[Symbol.for('plugin-meta')]).toMatchObject({ name: '@tollgate/fastify', fastify: '4.x || 5.x' });
  });

  it('is the default export as well', () => {
    expect(tollgateDefault).toBe(tollgate);
  });
});
