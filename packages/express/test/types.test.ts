// Types of the Express adapter: req.auth by declaration merging, custom claims, no `any` in the public surface.
// Checked by `tsc -p tsconfig.test.json`; the handlers also run for real so the values match the types.
import express from 'express';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { describe, expectTypeOf, it } from 'vitest';
import { useIssuer } from '../../../test/support/issuer.js';
import { serve } from '../../../test/support/server.js';
import { expectClaimsReachHandler } from '../../../test/support/type-tests.js';
import { configure, requireAnyScope, requireAuth, requireScope, RequireScope, tollgateErrorHandler, TollgateError } from '../src/index.js';
import type { AccessToken, AccessTokenClaims, ExpressAuthOptions, Verifier } from '../src/index.js';

// A custom claim, typed by merging into AccessTokenClaims (optional, so no other test's AccessToken breaks).
declare module '@tollgate/core' {
  interface AccessTokenClaims {
    express_types_tenant?: string;
  }
}

const issuer = useIssuer();

describe('types of @tollgate/express', () => {
  it('types req.auth as AccessToken | undefined, never any, with readonly scopes and custom claims', async () => {
    const seen: unknown[] = [];
    const app = express();
    app.use(requireAuth(issuer.options()));
    app.get('/', (req, res) => {
      expectTypeOf(req.auth).not.toBeAny();
      expectTypeOf(req.auth).toEqualTypeOf<AccessToken | undefined>();
      const auth = req.auth!;
      expectTypeOf(auth.scopes).toEqualTypeOf<readonly string[]>();
      expectTypeOf(auth.scopes).not.toBeAny();
      expectTypeOf(auth.claims.express_types_tenant).toEqualTypeOf<string | undefined>();
      expectTypeOf(auth.claims.scope).toEqualTypeOf<string | string[] | undefined>();
      expectTypeOf(auth.clientId).toEqualTypeOf<string | undefined>();
      expectTypeOf(auth.verifiedBy).toEqualTypeOf<'jwt' | 'introspection'>();
      expectTypeOf(auth.binding).toEqualTypeOf<{ readonly kind: 'none' } | { readonly kind: 'dpop'; readonly jkt: string } | { readonly kind: 'mtls'; readonly x5tS256: string }>();
      if (auth.binding.kind === 'dpop') expectTypeOf(auth.binding.jkt).toEqualTypeOf<string>();
      if (auth.binding.kind === 'mtls') expectTypeOf(auth.binding.x5tS256).toEqualTypeOf<string>();
      expectTypeOf(auth.expiresAt).toEqualTypeOf<Date>();
      // @ts-expect-error scopes are read-only
      auth.scopes.push;
      seen.push(auth.claims.express_types_tenant, auth.scopes);
      res.json({ tenant: auth.claims.express_types_tenant ?? null });
    });
    const served = await serve(app);
    try {
      await expectClaimsReachHandler(served.url, issuer, 'express_types_tenant', seen);
    } finally {
      await served.close();
    }
  });

  it('types req.auth on a handler declared apart from the app', () => {
    const handler = (req: Request, _res: Response, _next: NextFunction) => {
      expectTypeOf(req.auth).toEqualTypeOf<AccessToken | undefined>();
    };
    expectTypeOf(handler).toExtend<RequestHandler>();
  });

  it('types the middleware factories as Express RequestHandlers', () => {
    expectTypeOf(requireAuth).returns.toEqualTypeOf<RequestHandler>();
    expectTypeOf(requireScope).returns.toEqualTypeOf<RequestHandler>();
    expectTypeOf(requireAnyScope).returns.toEqualTypeOf<RequestHandler>();
    expectTypeOf(requireScope).parameters.toEqualTypeOf<string[]>();
    expectTypeOf(configure).returns.toEqualTypeOf<Verifier>();
    expectTypeOf(requireAuth).toBeCallableWith({ issuer: 'https://auth.example.test/', audience: 'api', optional: true, realm: 'r' });
    // @ts-expect-error audience is required
    expectTypeOf(requireAuth).toBeCallableWith({ issuer: 'https://auth.example.test/' });
    // @ts-expect-error scopes are strings
    expectTypeOf(requireScope).toBeCallableWith(1);
    expectTypeOf<ExpressAuthOptions['allowQuery']>().toEqualTypeOf<boolean | undefined>();
  });

  it('types the error handler and the errors without any', () => {
    expectTypeOf(tollgateErrorHandler()).not.toBeAny();
    expectTypeOf<TollgateError['status']>().toEqualTypeOf<number>();
    expectTypeOf<TollgateError['headers']>().toEqualTypeOf<Record<string, string>>();
    expectTypeOf<AccessTokenClaims>().not.toBeAny();
  });

  it('accepts @RequireScope on a (req, res) controller method', () => {
    class Orders {
      @RequireScope('orders:read')
      list(req: Request, res: Response) {
        expectTypeOf(req.auth).toEqualTypeOf<AccessToken | undefined>();
        res.end();
      }
    }
    expectTypeOf(new Orders().list).toExtend<RequestHandler>();
  });
});
