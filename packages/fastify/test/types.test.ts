// Types of the Fastify adapter: request.auth, route config, decorators on the instance, custom claims, no `any`.
// Checked by `tsc -p tsconfig.test.json`; the handlers also run for real so the values match the types.
import fastify from 'fastify';
import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { describe, expectTypeOf, it } from 'vitest';
import { optionsFor, useIssuer } from '../../../test/support/issuer.js';
import { serveFastify } from '../../../test/support/server.js';
import { expectClaimsReachHandler } from '../../../test/support/type-tests.js';
import tollgateDefault, { configure, RequireScope, tollgate, TollgateError } from '../src/index.js';
import type { AccessToken, AccessTokenClaims, TollgateFastifyOptions, TollgateRouteConfig, Verifier } from '../src/index.js';

// A custom claim, typed by merging into AccessTokenClaims (optional, so no other test's AccessToken breaks).
declare module '@tollgate/core' {
  interface AccessTokenClaims {
    fastify_types_tenant?: string;
  }
}

const issuer = useIssuer();

describe('types of @tollgate/fastify', () => {
  it('types request.auth as AccessToken | null, never any, with readonly scopes and custom claims', async () => {
    const seen: unknown[] = [];
    const app = fastify();
    try {
      await app.register(tollgate, issuer.options());
      app.get('/', { config: { scopes: ['orders:read'] } }, async (req) => {
        expectTypeOf(req.auth).not.toBeAny();
        expectTypeOf(req.auth).toEqualTypeOf<AccessToken | null>();
        const auth = req.auth!;
        expectTypeOf(auth.scopes).toEqualTypeOf<readonly string[]>();
        expectTypeOf(auth.scopes).not.toBeAny();
        expectTypeOf(auth.claims.fastify_types_tenant).toEqualTypeOf<string | undefined>();
        expectTypeOf(auth.audience).toEqualTypeOf<readonly string[]>();
        // @ts-expect-error scopes are read-only
        auth.scopes.push;
        seen.push(auth.claims.fastify_types_tenant, auth.scopes);
        return { tenant: auth.claims.fastify_types_tenant ?? null };
      });
      const { url } = await serveFastify(app);
      await expectClaimsReachHandler(url, issuer, 'fastify_types_tenant', seen);
    } finally {
      await app.close();
    }
  });

  it('types route config: scopes, anyScopes and auth; a wrong type is an error', () => {
    const app = fastify();
    app.get('/a', { config: { scopes: ['orders:read'] } }, async () => 'ok');
    app.get('/b', { config: { anyScopes: ['a', 'b'] as const, auth: 'optional' } }, async () => 'ok');
    app.get('/c', { config: { auth: false } }, async () => 'ok');
    // @ts-expect-error scopes is a list of strings
    app.get('/d', { config: { scopes: 1 } }, async () => 'ok');
    // @ts-expect-error scopes is a list of strings
    app.get('/e', { config: { scopes: [1] } }, async () => 'ok');
    // @ts-expect-error auth is a boolean or 'optional'
    app.get('/f', { config: { auth: 'maybe' } }, async () => 'ok');
    expectTypeOf<TollgateRouteConfig['scopes']>().toEqualTypeOf<readonly string[] | undefined>();
    expectTypeOf<TollgateRouteConfig['auth']>().toEqualTypeOf<boolean | 'optional' | undefined>();
    return app.close();
  });

  it('types fastify.requireScope / requireAnyScope as hooks usable as preHandler', () => {
    const app = fastify();
    expectTypeOf(app.requireScope).parameters.toEqualTypeOf<string[]>();
    expectTypeOf(app.requireScope).returns.toEqualTypeOf<onRequestAsyncHookHandler>();
    expectTypeOf(app.requireAnyScope).returns.toEqualTypeOf<onRequestAsyncHookHandler>();
    // Only compiled: the decorators exist once the plugin is registered.
    const route = () => app.get('/x', { preHandler: [app.requireScope('orders:read'), app.requireAnyScope('a', 'b')] }, async () => 'ok');
    expectTypeOf(route).not.toBeAny();
    return app.close();
  });

  it('types the plugin options, configure and the default export', () => {
    expectTypeOf(tollgateDefault).toEqualTypeOf(tollgate);
    expectTypeOf(configure).returns.toEqualTypeOf<Verifier>();
    expectTypeOf<TollgateFastifyOptions>().not.toBeAny();
    expectTypeOf({ ...optionsFor({ issuer: 'https://a/', audience: 'b' }), global: false, scopes: ['x'] }).toExtend<TollgateFastifyOptions>();
    // @ts-expect-error global is a boolean
    expectTypeOf({ issuer: 'https://a/', audience: 'b', global: 'yes' }).toExtend<TollgateFastifyOptions>();
    expectTypeOf<TollgateError['statusCode']>().toEqualTypeOf<number>();
    expectTypeOf<AccessTokenClaims>().not.toBeAny();
  });

  it('accepts @RequireScope on a (request, reply) controller method', () => {
    class Orders {
      @RequireScope('orders:read')
      async list(req: FastifyRequest, _reply: FastifyReply) {
        expectTypeOf(req.auth).toEqualTypeOf<AccessToken | null>();
        return [];
      }
    }
    const app = fastify();
    app.get('/orders', new Orders().list);
    return app.close();
  });
});
