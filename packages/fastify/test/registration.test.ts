// Which registration protects which route: however the plugin is awaited, in which context it is registered, how
// many instances share the process, and what route config contradicts itself. Fastify 4 and 5, real HTTP.
import type { AccessToken, Verifier } from '@tollgate/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { byName, FASTIFY_VERSIONS } from '../../../test/support/frameworks.js';
import { useIssuer } from '../../../test/support/issuer.js';
import { createVerifier, InvalidTokenError, RequireScope, tollgate, TollgateConfigError, tollgateErrorHandler } from '../src/index.js';
import { echo, usePluginApps } from './plugin-app.js';

const issuer = useIssuer();
const pluginApps = usePluginApps(issuer);
const AUDIENCE_B = 'https://b.example.test';
const AUDIENCE_MISMATCH = 'Bearer realm="api", error="invalid_token", error_description="audience mismatch"';

class Orders {
  @RequireScope('orders:read')
  async list(request: FastifyRequest, _reply: FastifyReply) {
    return { audience: request.auth?.audience };
  }
}

describe.each(byName(FASTIFY_VERSIONS))('%s', (_framework, version) => {
  const { create } = pluginApps(version);
  const listen = (app: FastifyInstance) => app.listen({ host: '127.0.0.1', port: 0 });
  const withErrors = () => {
    const app = create();
    app.setErrorHandler(tollgateErrorHandler());
    return app;
  };

  describe('register() without await', () => {
    it('protects routes declared after it, and before it, in the same context', async () => {
      const app = withErrors();
      app.get('/before', { config: { scopes: ['admin'] } }, echo);
      void app.register(tollgate, issuer.options());
      app.get('/admin', { config: { scopes: ['admin'] } }, echo);
      app.get('/plain', echo);
      app.register(async (child) => {
        child.get('/child', { config: { scopes: ['admin'] } }, echo);
      });
      const url = await listen(app);
      for (const path of ['/before', '/admin', '/plain', '/child']) {
        const anonymous = await request(url).get(path);
        expect(anonymous.status, path).toBe(401);
        expect(anonymous.headers['www-authenticate'], path).toBe('Bearer realm="api"');
      }
      for (const path of ['/before', '/admin', '/child']) {
        expect((await request(url).get(path).set('Authorization', await issuer.bearer({ scope: 'profile' }))).status, path).toBe(403);
        expect((await request(url).get(path).set('Authorization', await issuer.bearer({ scope: 'admin' }))).status, path).toBe(200);
      }
    });

    it('protects routes of a child context created before the plugin loaded', async () => {
      const app = withErrors();
      app.register(async (child) => {
        child.get('/early', echo);
      });
      app.register(tollgate, issuer.options());
      const url = await listen(app);
      expect((await request(url).get('/early')).status).toBe(401);
    });
  });

  describe('tollgate config where no registration applies', () => {
    it('fails ready() with a TollgateConfigError naming the route (a sibling of the registering context)', async () => {
      const app = create();
      await app.register(async (authContext) => {
        await authContext.register(tollgate, issuer.options());
        authContext.get('/inside', echo);
      });
      app.register(async (sibling) => {
        sibling.get('/admin', { config: { scopes: ['admin'] } }, echo);
      });
      const error = await app.ready().then(
        () => undefined,
        (failure: unknown) => failure,
      );
      expect(error).toBeInstanceOf(TollgateConfigError);
      expect((error as Error).message).toBe(
        '@tollgate/fastify: GET /admin, HEAD /admin carry tollgate config where no tollgate plugin is registered; register the plugin in their context or an ancestor',
      );
    });

    it('answers 500 on every request, never 200, for such a route declared before tollgate loaded', async () => {
      const app = create();
      app.get('/admin', { config: { scopes: ['admin'] } }, echo);
      app.get('/public', echo);
      await app.register(async (authContext) => {
        await authContext.register(tollgate, issuer.options());
      });
      const url = await listen(app);
      for (const authorization of [undefined, await issuer.bearer({ scope: 'admin' })]) {
        const call = request(url).get('/admin');
        if (authorization) call.set('Authorization', authorization);
        expect((await call).status).toBe(500);
      }
      expect((await request(url).get('/public')).status).toBe(200);
    });
  });

  describe('route config that contradicts itself, or the plugin', () => {
    it.each([
      [{ auth: false, scopes: ['admin'] }, "GET /r config.auth: false makes the route public, yet it names scopes"],
      [{ auth: false, anyScopes: ['admin'] }, "GET /r config.auth: false makes the route public, yet it names scopes"],
      [{ scopes: [] }, 'GET /r config.scopes: names no scope; an empty list would admit any token'],
      [{ auth: true, scopesIfPresent: true }, "GET /r config.scopesIfPresent: only applies with auth: 'optional'"],
      [{ auth: 'yes' }, "GET /r config.auth: expected true, false or 'optional'"],
      [{ scope: ['admin'] }, 'GET /r config.scope: not a tollgate option; did you mean scopes?'],
      [{ anyScope: ['admin'] }, 'GET /r config.anyScope: not a tollgate option; did you mean anyScopes?'],
      [{ auth: false, claims: { tenant: 'acme' } }, 'GET /r config.auth: false makes the route public, yet it names scopes or claims'],
      [{ claims: {} }, 'GET /r config.claims: invalid claim rules\n  - (rules): names no claim rule'],
      [{ claims: undefined, scopes: ['a'] }, 'GET /r config.claims: invalid claim rules'],
      [{ claims: { tier: { oneOf: [] } } }, 'tier.oneOf: is empty'],
      [{ claims: { exp: 1 } }, 'no claim rule on exp'],
      [{ auth: 'optional', claims: { tenant: 'acme' } }, "GET /r config.auth: 'optional' with claims would let requests without a token through"],
      [{ claim: { tenant: 'acme' } }, 'GET /r config.claim: not a tollgate option; did you mean claims?'],
      [{ requireClaims: { tenant: 'acme' } }, 'GET /r config.requireClaims: not a tollgate option; did you mean claims?'],
      [{ requiredClaims: { tenant: 'acme' } }, 'GET /r config.requiredClaims: not a tollgate option; did you mean claims?'],
      [{ Claims: { tenant: 'acme' } }, 'GET /r config.Claims: not a tollgate option; did you mean claims?'],
      [{ claimsRules: { tenant: 'acme' } }, 'GET /r config.claimsRules: not a tollgate option; did you mean claims?'],
    ])('%j is refused at declaration', async (config, message) => {
      const app = create();
      await app.register(tollgate, { ...issuer.options(), global: false });
      expect(() => app.get('/r', { config: config as never }, echo)).toThrow(TollgateConfigError);
      expect(() => app.get('/r2', { config: config as never }, echo)).toThrow(message.replace('/r', '/r2'));
    });

    it('config: { auth: true } is required even when the plugin is optional', async () => {
      const app = withErrors();
      await app.register(tollgate, { ...issuer.options(), optional: true });
      app.get('/required', { config: { auth: true } }, echo);
      app.get('/open', echo);
      const url = await listen(app);
      const res = await request(url).get('/required');
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer realm="api"');
      expect((await request(url).get('/open')).status).toBe(200);
      expect((await request(url).get('/required').set('Authorization', await issuer.bearer())).status).toBe(200);
    });

    it('registering twice in the same context is refused', async () => {
      const app = create();
      await app.register(tollgate, issuer.options());
      await expect(app.register(tollgate, issuer.options())).rejects.toThrow('@tollgate/fastify: registered twice in the same context');
    });
  });

  describe('decorators and requireScope use the registration of the context that serves the request', () => {
    const orders = new Orders();

    it('two Fastify instances in one process: each decorated route uses its own registration, whatever was registered last', async () => {
      const appA = withErrors();
      await appA.register(tollgate, issuer.options());
      // The decorator alone checks these routes (auth: false): A was registered first, B last.
      appA.get('/orders', { config: { auth: false } }, orders.list);
      appA.get('/pre', { preHandler: appA.requireScope('orders:read') }, echo);
      const appB = withErrors();
      await appB.register(tollgate, { ...issuer.options(), audience: AUDIENCE_B });
      appB.get('/orders', { config: { auth: false } }, orders.list);
      const [urlA, urlB] = [await listen(appA), await listen(appB)];
      const forA = await issuer.bearer({ scope: 'orders:read' });
      const forB = await issuer.bearer({ scope: 'orders:read', aud: AUDIENCE_B });
      expect((await request(urlA).get('/orders').set('Authorization', forA)).body).toEqual({ audience: [issuer.current.audience] });
      expect((await request(urlB).get('/orders').set('Authorization', forB)).body).toEqual({ audience: [AUDIENCE_B] });
      const bOnA = await request(urlA).get('/orders').set('Authorization', forB);
      expect(bOnA.status).toBe(401);
      expect(bOnA.headers['www-authenticate']).toBe(AUDIENCE_MISMATCH);
      expect((await request(urlB).get('/orders').set('Authorization', forA)).status).toBe(401);
      expect((await request(urlA).get('/pre').set('Authorization', forA)).status).toBe(200);
      expect((await request(urlA).get('/pre').set('Authorization', forB)).status).toBe(401);
    });

    it('encapsulated contexts with their own registrations: the innermost decides, on auth: false routes too', async () => {
      const app = withErrors();
      await app.register(async (a) => {
        await a.register(tollgate, issuer.options());
        a.get('/a/orders', { config: { auth: false } }, orders.list);
      });
      await app.register(async (b) => {
        await b.register(tollgate, { ...issuer.options(), audience: AUDIENCE_B });
        b.get('/b/orders', { config: { auth: false } }, orders.list);
      });
      const url = await listen(app);
      const forA = await issuer.bearer({ scope: 'orders:read' });
      const forB = await issuer.bearer({ scope: 'orders:read', aud: AUDIENCE_B });
      expect((await request(url).get('/a/orders').set('Authorization', forA)).status).toBe(200);
      expect((await request(url).get('/b/orders').set('Authorization', forB)).status).toBe(200);
      expect((await request(url).get('/a/orders').set('Authorization', forB)).status).toBe(401);
      expect((await request(url).get('/b/orders').set('Authorization', forA)).status).toBe(401);
      expect((await request(url).get('/a/orders')).status).toBe(401);
    });

    it('a nested registration with a wrapping verifier: its rule runs although the outer one verified the token', async () => {
      const base = createVerifier(issuer.options());
      const tenantA: Verifier = {
        options: base.options,
        verify: base.verify,
        authenticate: async (req, options) => {
          const token: AccessToken | undefined = await base.authenticate(req, options);
          if (token && token.claims.tenant !== 'a') throw new InvalidTokenError('wrong tenant', { reason: 'invalid_claim' });
          return token;
        },
      };
      const app = withErrors();
      await app.register(tollgate, { verifier: base });
      app.get('/any', echo);
      await app.register(async (tenant) => {
        await tenant.register(tollgate, { verifier: tenantA });
        tenant.get('/tenant-a', echo);
      });
      const url = await listen(app);
      const forB = await issuer.bearer({ tenant: 'b' });
      expect((await request(url).get('/any').set('Authorization', forB)).status).toBe(200);
      const refused = await request(url).get('/tenant-a').set('Authorization', forB);
      expect(refused.status).toBe(401);
      expect(refused.headers['www-authenticate']).toBe('Bearer realm="api", error="invalid_token", error_description="wrong tenant"');
      expect((await request(url).get('/tenant-a').set('Authorization', await issuer.bearer({ tenant: 'a' }))).status).toBe(200);
    });
  });
});

describe('plugin options that contradict each other', () => {
  it.each([
    [{ issuer: 'https://other.example.test/' }, '@tollgate/fastify: issuer given beside verifier; set them in createVerifier(...) instead, or pass the options without verifier'],
    [{ audience: 'x', jwks: {} }, '@tollgate/fastify: audience, jwks given beside verifier'],
  ])('verifier with verifier options beside it (%j) is refused at registration', async (beside, message) => {
    const app = FASTIFY_VERSIONS.at(-1)!.module();
    try {
      await expect(app.register(tollgate, { verifier: createVerifier(issuer.options()), ...beside } as never)).rejects.toThrow(message);
    } finally {
      await app.close();
    }
  });
});

describe('a decorated handler with no reply to answer through', () => {
  it.each(byName(FASTIFY_VERSIONS))('%s: the refusal is never an unhandled rejection', async (_name, version) => {
    const orders = new Orders();
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    const app = version.module();
    try {
      await app.register(tollgate, { ...issuer.options(), global: false });
      app.get('/no-reply', async (request) => {
        void orders.list(request, undefined as never);
        return 'handler';
      });
      app.get('/sent', (request, reply) => {
        void reply.send('sent first');
        void orders.list(request, reply);
      });
      const url = await app.listen({ host: '127.0.0.1', port: 0 });
      expect((await request(url).get('/no-reply')).status).toBe(200);
      expect((await request(url).get('/sent')).text).toBe('sent first');
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(unhandled).toEqual([]);
      // Awaited by the caller, the refusal still rejects.
      await expect(orders.list({ server: app, headers: {}, raw: { rawHeaders: [] }, routeOptions: { config: {} } } as never, undefined as never)).rejects.toThrow(
        'bearer token required',
      );
    } finally {
      process.off('unhandledRejection', onUnhandled);
      await app.close();
    }
  });
});
