// Types of the Hono adapter: c.get('auth') and c.var.auth through ContextVariableMap and TollgateEnv, custom
// claims, no `any` in the public surface. Checked by `tsc -p tsconfig.test.json`; the middleware also runs for real.
import { getRequestListener } from '@hono/node-server';
import { Hono, type Context, type ErrorHandler, type MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { describe, expectTypeOf, it } from 'vitest';
import { useIssuer } from '../../../test/support/issuer.js';
import { serve } from '../../../test/support/server.js';
import { expectClaimsReachHandler } from '../../../test/support/type-tests.js';
import { configure, requireAnyScope, requireAuth, requireScope, tollgateErrorHandler, TollgateHttpException } from '../src/index.js';
import type { AccessToken, AccessTokenClaims, HonoAuthOptions, TollgateEnv, TollgateError, TollgateMiddleware, Verifier } from '../src/index.js';

// A custom claim, typed by merging into AccessTokenClaims (optional, so no other test's AccessToken breaks).
declare module '@tollgate/core' {
  interface AccessTokenClaims {
    hono_types_tenant?: string;
  }
}

const issuer = useIssuer();

describe('types of @tollgate/hono', () => {
  it('types c.get("auth") as AccessToken | undefined in a handler of a plain new Hono(), never any, with custom claims', async () => {
    const seen: unknown[] = [];
    const app = new Hono();
    app.use(requireAuth(issuer.options()));
    app.get('/', (c) => {
      expectTypeOf(c.get('auth')).not.toBeAny();
      expectTypeOf(c.get('auth')).toEqualTypeOf<AccessToken | undefined>();
      expectTypeOf(c.var.auth).toEqualTypeOf<AccessToken | undefined>();
      const auth = c.get('auth')!;
      expectTypeOf(auth.scopes).toEqualTypeOf<readonly string[]>();
      expectTypeOf(auth.claims.hono_types_tenant).toEqualTypeOf<string | undefined>();
      expectTypeOf(auth.claims.scp).toEqualTypeOf<string | string[] | undefined>();
      // @ts-expect-error scopes are read-only
      auth.scopes.push;
      seen.push(auth.claims.hono_types_tenant, auth.scopes);
      return c.json({ tenant: auth.claims.hono_types_tenant ?? null });
    });
    const served = await serve(getRequestListener(app.fetch));
    try {
      await expectClaimsReachHandler(served.url, issuer, 'hono_types_tenant', seen);
    } finally {
      await served.close();
    }
  });

  it('types c.get("auth") in an app with its own Env, inline after the middleware', () => {
    const app = new Hono<{ Variables: { requestId: string } }>();
    app.get('/orders', requireAuth(issuer.options()), requireScope('orders:read'), (c) => {
      expectTypeOf(c.get('auth')).toEqualTypeOf<AccessToken | undefined>();
      expectTypeOf(c.get('requestId')).toEqualTypeOf<string>();
      return c.text('ok');
    });
  });

  it('types c.get("auth") on a plain Context<TollgateEnv>', () => {
    const read = (c: Context<TollgateEnv>) => c.get('auth');
    expectTypeOf(read).returns.toEqualTypeOf<AccessToken | undefined>();
    // @ts-expect-error only an AccessToken can be set
    const write = (c: Context<TollgateEnv>) => c.set('auth', 'token');
    void write;
  });

  it('types the factories as Hono middleware and the error handler as an ErrorHandler', () => {
    expectTypeOf(requireAuth).returns.toEqualTypeOf<TollgateMiddleware>();
    expectTypeOf(requireScope).returns.toEqualTypeOf<MiddlewareHandler<TollgateEnv>>();
    expectTypeOf(requireAnyScope).returns.toEqualTypeOf<TollgateMiddleware>();
    expectTypeOf(tollgateErrorHandler).returns.toEqualTypeOf<ErrorHandler>();
    expectTypeOf(requireScope).parameters.toEqualTypeOf<string[]>();
    expectTypeOf(configure).returns.toEqualTypeOf<Verifier>();
    expectTypeOf(requireAuth).toBeCallableWith({ issuer: 'https://auth.example.test/', audience: 'api', optional: true });
    // @ts-expect-error audience is required
    expectTypeOf(requireAuth).toBeCallableWith({ issuer: 'https://auth.example.test/' });
    // @ts-expect-error scopes are strings
    expectTypeOf(requireScope).toBeCallableWith(1);
    expectTypeOf<HonoAuthOptions['realm']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<AccessTokenClaims>().not.toBeAny();
  });

  it('types the refusal as an HTTPException carrying the TollgateError', () => {
    expectTypeOf<TollgateHttpException>().toExtend<HTTPException>();
    expectTypeOf<TollgateHttpException['error']>().toEqualTypeOf<TollgateError>();
    expectTypeOf<TollgateHttpException['getResponse']>().returns.toEqualTypeOf<Response>();
  });
});
