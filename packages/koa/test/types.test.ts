// Types of the Koa adapter: ctx.state.auth through Koa's DefaultState, custom claims, no `any` in the public surface.
// Checked by `tsc -p tsconfig.test.json`; the middleware also runs for real so the values match the types.
import Koa from 'koa';
import type { Context, Middleware, Next } from 'koa';
import { describe, expectTypeOf, it } from 'vitest';
import { useIssuer } from '../../../test/support/issuer.js';
import { serve } from '../../../test/support/server.js';
import { expectClaimsReachHandler } from '../../../test/support/type-tests.js';
import { configure, requireAnyScope, requireAuth, requireScope, RequireScope, tollgateErrorHandler, TollgateError } from '../src/index.js';
import type { AccessToken, AccessTokenClaims, KoaAuthOptions, Verifier } from '../src/index.js';

// A custom claim, typed by merging into AccessTokenClaims (optional, so no other test's AccessToken breaks).
declare module '@tollgate/core' {
  interface AccessTokenClaims {
    koa_types_tenant?: string;
  }
}

const issuer = useIssuer();

describe('types of @tollgate/koa', () => {
  it('types ctx.state.auth as AccessToken | undefined in a Middleware, never any, with custom claims', async () => {
    const seen: unknown[] = [];
    const handler: Middleware = (ctx) => {
      expectTypeOf(ctx.state.auth).not.toBeAny();
      expectTypeOf(ctx.state.auth).toEqualTypeOf<AccessToken | undefined>();
      const auth = ctx.state.auth!;
      expectTypeOf(auth.scopes).toEqualTypeOf<readonly string[]>();
      expectTypeOf(auth.scopes).not.toBeAny();
      expectTypeOf(auth.claims.koa_types_tenant).toEqualTypeOf<string | undefined>();
      expectTypeOf(auth.claims.scp).toEqualTypeOf<string | string[] | undefined>();
      expectTypeOf(auth.subject).toEqualTypeOf<string | undefined>();
      // @ts-expect-error scopes are read-only
      auth.scopes.push;
      seen.push(auth.claims.koa_types_tenant, auth.scopes);
      ctx.body = { tenant: auth.claims.koa_types_tenant ?? null };
    };
    const app = new Koa();
    app.use(requireAuth(issuer.options()));
    app.use(handler);
    const served = await serve(app.callback());
    try {
      await expectClaimsReachHandler(served.url, issuer, 'koa_types_tenant', seen);
    } finally {
      await served.close();
    }
  });

  it('types ctx.state.auth on a plain Context too', () => {
    const read = (ctx: Context) => ctx.state.auth;
    expectTypeOf(read).returns.toEqualTypeOf<AccessToken | undefined>();
  });

  it('types the middleware factories as Koa Middleware', () => {
    expectTypeOf(requireAuth).returns.toEqualTypeOf<Middleware>();
    expectTypeOf(requireScope).returns.toEqualTypeOf<Middleware>();
    expectTypeOf(requireAnyScope).returns.toEqualTypeOf<Middleware>();
    expectTypeOf(tollgateErrorHandler).returns.toEqualTypeOf<Middleware>();
    expectTypeOf(requireScope).parameters.toEqualTypeOf<string[]>();
    expectTypeOf(configure).returns.toEqualTypeOf<Verifier>();
    expectTypeOf(requireAuth).toBeCallableWith({ issuer: 'https://auth.example.test/', audience: 'api', optional: true });
    // @ts-expect-error audience is required
    expectTypeOf(requireAuth).toBeCallableWith({ issuer: 'https://auth.example.test/' });
    // @ts-expect-error scopes are strings
    expectTypeOf(requireScope).toBeCallableWith(1);
    expectTypeOf<KoaAuthOptions['realm']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<TollgateError['status']>().toEqualTypeOf<number>();
    expectTypeOf<AccessTokenClaims>().not.toBeAny();
  });

  it('accepts @RequireScope on a (ctx, next) controller method', () => {
    class Orders {
      @RequireScope('orders:read')
      async list(ctx: Context, _next: Next) {
        expectTypeOf(ctx.state.auth).toEqualTypeOf<AccessToken | undefined>();
      }
    }
    expectTypeOf(new Orders().list).toExtend<Middleware>();
  });
});
