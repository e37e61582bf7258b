// TollgateGuard and the decorators over real HTTP, on Nest's Express and Fastify platforms, with real tokens.
import 'reflect-metadata';
import { Catch, Controller, Get, HttpException, Module, Post, UseFilters, UseGuards, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { APP_GUARD, BaseExceptionFilter } from '@nestjs/core';
import { createTestIssuer, type TestIssuer } from '@tollgate/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { optionsFor, useIssuer } from '../../../test/support/issuer.js';
import {
  AnyScope,
  Auth,
  createVerifier,
  InsufficientScopeError,
  MissingTokenError,
  OptionalAuth,
  Public,
  renderProblemJson,
  Scopes,
  toErrorResponse,
  TollgateException,
  TollgateExceptionFilter,
  TollgateGuard,
  TollgateModule,
  type AccessToken,
} from '../src/index.js';
import { observe, PLATFORMS, start, type Running } from './support.js';

const REALM = 'orders-api';
const summary = (token: AccessToken | undefined) => (token ? { client: token.clientId ?? null, scopes: [...token.scopes] } : null);

@Controller('open')
class OpenController {
  @Get()
  me(@Auth() token: AccessToken) {
    return summary(token);
  }

  @Get('scoped')
  @Scopes('orders:read')
  scoped(@Auth() token: AccessToken) {
    return summary(token);
  }

  @Public()
  @Get('public')
  publicRoute() {
    return { public: true };
  }

  @Public()
  @Get('public-auth')
  publicAuth(@Auth() token: AccessToken) {
    return summary(token);
  }
}

@Scopes('orders:read')
@Controller('orders')
class OrdersController {
  @Get()
  list(@Auth() token: AccessToken) {
    return summary(token);
  }

  @Post()
  @Scopes('orders:write')
  create(@Auth() token: AccessToken) {
    return { createdBy: token.clientId };
  }

  @Get('health')
  @Public()
  health() {
    return { ok: true };
  }

  @Get('teaser')
  @OptionalAuth()
  teaser(@Auth() token: AccessToken | undefined) {
    return { teaser: true, auth: summary(token) };
  }

  @Get('problem')
  @UseFilters(new TollgateExceptionFilter({ render: renderProblemJson }))
  problem() {
    return { problem: false };
  }
}

@Public()
@Controller('catalog')
class CatalogController {
  @Get()
  list() {
    return { catalog: [] };
  }

  @Get('admin')
  @Scopes('catalog:admin')
  admin(@Auth() token: AccessToken) {
    return summary(token);
  }
}

@AnyScope('a', 'b')
@Controller('any')
class AnyController {
  @Get()
  one(@Auth() token: AccessToken) {
    return summary(token);
  }

  @Get('both-groups')
  @AnyScope('c', 'd')
  both(@Auth() token: AccessToken) {
    return summary(token);
  }
}

@OptionalAuth()
@Controller('optional')
class OptionalController {
  @Get()
  maybe(@Auth() token: AccessToken | undefined) {
    return { auth: summary(token) };
  }

  @Get('strict')
  @Scopes('orders:read')
  strict(@Auth() token: AccessToken) {
    return summary(token);
  }
}

describe.each(PLATFORMS)('Nest on %s', (platform) => {
  const issuer = useIssuer();
  const bearer = async (scope?: string) => ({ authorization: `Bearer ${await issuer.sign(scope === undefined ? {} : { scope })}` });

  describe('with no global guard: the decorators bind TollgateGuard themselves', () => {
    let running: Running;
    beforeAll(async () => {
      @Module({ imports: [TollgateModule.forRoot({ ...issuer.options(), realm: REALM })], controllers: [OpenController, OrdersController, CatalogController, AnyController, OptionalController] })
      class AppModule {}
      running = await start(platform, AppModule);
    });
    afterAll(() => running.close());

    it('leaves an undecorated route of an unguarded controller alone, and @Auth() there fails closed with a 500', async () => {
      const response = await running.get('/open');
      expect(response.status).toBe(500);
      expect(await response.json()).toEqual({ statusCode: 500, message: 'Internal server error' });
      // A configuration error is the server's fault: Nest logs it.
      expect(running.logger.errors.map((r) => String(r.message))).toEqual([expect.stringContaining('@Auth() on a route that no TollgateGuard authenticated')]);
      running.logger.records.length = 0;
    });

    it('@Scopes on a method protects it: 401, 403, 200', async () => {
      expect((await running.get('/open/scoped')).status).toBe(401);
      expect((await running.get('/open/scoped', await bearer('profile'))).status).toBe(403);
      const ok = await running.get('/open/scoped', await bearer('orders:read'));
      expect(ok.status).toBe(200);
      expect(await ok.json()).toEqual({ client: 'client-123', scopes: ['orders:read'] });
    });

    it('@Auth() on a @Public() route is a 500, never an unauthenticated handler run', async () => {
      expect((await running.get('/open/public')).status).toBe(200);
      expect((await running.get('/open/public-auth', await bearer('orders:read'))).status).toBe(500);
      running.logger.records.length = 0;
    });

    it('class @Scopes applies to every route; a method @Scopes adds to it (all required)', async () => {
      expect((await running.get('/orders', await bearer('orders:read'))).status).toBe(200);
      const onlyWrite = await running.get('/orders', await bearer('orders:write'), { method: 'POST' });
      expect(await observe(onlyWrite)).toEqual({
        status: 403,
        wwwAuthenticate: `Bearer realm="${REALM}", error="insufficient_scope", error_description="token lacks a required scope", scope="orders:read orders:write"`,
        cacheControl: 'no-store',
        retryAfter: null,
        contentType: 'application/json; charset=utf-8',
        body: { error: 'insufficient_scope', error_description: 'token lacks a required scope' },
      });
      const both = await running.get('/orders', await bearer('orders:read orders:write'), { method: 'POST' });
      expect(both.status).toBe(201);
      expect(await both.json()).toEqual({ createdBy: 'client-123' });
    });

    it('a method @Public() overrides the class requirement', async () => {
      const response = await running.get('/orders/health');
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ ok: true });
    });

    it('a method @OptionalAuth() overrides the class requirement: anonymous passes, a bad token does not', async () => {
      expect(await (await running.get('/orders/teaser')).json()).toEqual({ teaser: true, auth: null });
      expect(await (await running.get('/orders/teaser', await bearer('profile'))).json()).toEqual({ teaser: true, auth: { client: 'client-123', scopes: ['profile'] } });
      expect((await running.get('/orders/teaser', { authorization: 'Bearer not.a.token' })).status).toBe(401);
    });

    it('a method @Scopes in a @Public() class requires a token', async () => {
      expect((await running.get('/catalog')).status).toBe(200);
      expect((await running.get('/catalog/admin')).status).toBe(401);
      expect((await running.get('/catalog/admin', await bearer('catalog:admin'))).status).toBe(200);
    });

    it('each @AnyScope is its own one-of requirement: class and method both hold', async () => {
      expect((await running.get('/any', await bearer('b'))).status).toBe(200);
      expect((await running.get('/any', await bearer('c'))).status).toBe(403);
      const classOnly = await running.get('/any/both-groups', await bearer('a'));
      expect(classOnly.status).toBe(403);
      expect(classOnly.headers.get('www-authenticate')).toContain('scope="c d"');
      expect((await running.get('/any/both-groups', await bearer('a d'))).status).toBe(200);
    });

    it('class @OptionalAuth(): anonymous passes; a method @Scopes there requires a token', async () => {
      expect(await (await running.get('/optional')).json()).toEqual({ auth: null });
      expect(await (await running.get('/optional', { authorization: 'Basic dXNlcjpwYXNz' })).json()).toEqual({ auth: null });
      expect((await running.get('/optional/strict')).status).toBe(401);
      expect((await running.get('/optional/strict', await bearer('orders:read'))).status).toBe(200);
    });

    it('answers exactly as core renders: 401 with a bare challenge, no-store, JSON body', async () => {
      const expected = toErrorResponse(new MissingTokenError({ realm: REALM }));
      expect(await observe(await running.get('/orders'))).toEqual({
        status: expected.status,
        wwwAuthenticate: expected.headers['WWW-Authenticate'],
        cacheControl: 'no-store',
        retryAfter: null,
        contentType: expected.contentType,
        body: JSON.parse(expected.body),
      });
    });

    it('a route-level TollgateExceptionFilter renders problem+json with the same status and headers', async () => {
      const response = await running.get('/orders/problem', await bearer('profile'));
      const expected = toErrorResponse(new InsufficientScopeError(['orders:read'], { realm: REALM }), renderProblemJson);
      expect(response.status).toBe(403);
      expect(response.headers.get('www-authenticate')).toBe(expected.headers['WWW-Authenticate']);
      expect(response.headers.get('content-type')).toBe(expected.contentType);
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(await response.text()).toBe(expected.body);
    });

    it('logs no refusal', () => {
      expect(running.logger.errors).toEqual([]);
      expect(running.logger.records.filter((r) => r.level === 'warn')).toEqual([]);
    });
  });

  describe('as a global guard (APP_GUARD)', () => {
    let running: Running;
    beforeAll(async () => {
      @Module({
        imports: [TollgateModule.forRoot(issuer.options(), { realm: REALM })],
        controllers: [OpenController, OrdersController],
        providers: [{ provide: APP_GUARD, useClass: TollgateGuard }],
      })
      class AppModule {}
      running = await start(platform, AppModule);
    });
    afterAll(() => running.close());

    it('requires a token on every undecorated route', async () => {
      expect((await running.get('/open')).status).toBe(401);
      const ok = await running.get('/open', await bearer());
      expect(ok.status).toBe(200);
      expect(await ok.json()).toEqual({ client: 'client-123', scopes: [] });
    });

    it('lets @Public() routes through and keeps the scopes of the others', async () => {
      expect((await running.get('/open/public')).status).toBe(200);
      expect((await running.get('/orders/health')).status).toBe(200);
      expect((await running.get('/orders', await bearer('profile'))).status).toBe(403);
      expect((await running.get('/orders', await bearer('orders:read'))).status).toBe(200);
    });

    it('logs no refusal', () => {
      expect(running.logger.errors).toEqual([]);
    });
  });

  describe('per controller (@UseGuards(TollgateGuard))', () => {
    let running: Running;
    beforeAll(async () => {
      @UseGuards(TollgateGuard)
      @Controller('guarded')
      class GuardedController {
        @Get()
        me(@Auth() token: AccessToken) {
          return summary(token);
        }
      }
      @Controller('unguarded')
      class UnguardedController {
        @Get()
        open() {
          return { open: true };
        }
      }
      @Module({ imports: [TollgateModule.forRoot(issuer.options())], controllers: [GuardedController, UnguardedController] })
      class AppModule {}
      running = await start(platform, AppModule);
    });
    afterAll(() => running.close());

    it('protects the controller it is bound to, and only that one', async () => {
      expect((await running.get('/guarded')).status).toBe(401);
      expect((await running.get('/guarded', await bearer())).status).toBe(200);
      expect((await running.get('/unguarded')).status).toBe(200);
    });
  });

  describe('your own exception filters', () => {
    it('see the refusal as an HttpException, and the challenge headers stay on their response', async () => {
      const seen: unknown[] = [];
      @Catch(HttpException)
      class HouseFormatFilter implements ExceptionFilter {
        catch(exception: HttpException, host: ArgumentsHost) {
          seen.push(exception);
          const response = host.switchToHttp().getResponse<{ status?: (n: number) => { json: (b: unknown) => void }; code?: (n: number) => { send: (b: unknown) => void } }>();
          const body = { problem: 'denied', status: exception.getStatus() };
          if (platform === 'fastify') response.code!(exception.getStatus()).send(body);
          else response.status!(exception.getStatus()).json(body);
        }
      }
      @Module({ imports: [TollgateModule.forRoot(issuer.options(), { realm: REALM })], controllers: [OrdersController] })
      class AppModule {}
      const running = await start(platform, AppModule, (app) => app.useGlobalFilters(new HouseFormatFilter()));
      try {
        const response = await running.get('/orders', await bearer('profile'));
        expect(response.status).toBe(403);
        expect(response.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
        expect(response.headers.get('cache-control')).toBe('no-store');
        expect(await response.json()).toEqual({ problem: 'denied', status: 403 });
        expect(seen).toHaveLength(1);
        expect(seen[0]).toBeInstanceOf(TollgateException);
        expect((seen[0] as TollgateException).error).toBeInstanceOf(InsufficientScopeError);
        expect((seen[0] as TollgateException).getResponse()).toEqual({ error: 'insufficient_scope', error_description: 'token lacks a required scope' });
      } finally {
        await running.close();
      }
    });

    it('a filter extending BaseExceptionFilter answers exactly as Nest would without it', async () => {
      @Catch()
      class LoggingFilter extends BaseExceptionFilter {}
      @Module({ imports: [TollgateModule.forRoot(issuer.options(), { realm: REALM })], controllers: [OrdersController] })
      class AppModule {}
      const running = await start(platform, AppModule, (app) => app.useGlobalFilters(new LoggingFilter(app.getHttpAdapter())));
      try {
        const response = await observe(await running.get('/orders'));
        expect(response).toMatchObject({ status: 401, wwwAuthenticate: `Bearer realm="${REALM}"`, cacheControl: 'no-store', body: { error_description: 'bearer token required' } });
        expect(running.logger.errors).toEqual([]);
      } finally {
        await running.close();
      }
    });
  });

  describe('when the keys cannot be fetched', () => {
    let down: TestIssuer;
    beforeAll(async () => {
      down = await createTestIssuer();
      down.setFault({ kind: 'down' });
    });
    afterAll(() => down.close());

    it('answers 503 with Retry-After, and logs nothing', async () => {
      @Module({ imports: [TollgateModule.forRoot({ ...optionsFor(down), jwksUri: down.jwksUri, jwks: { cooldown: 17, timeout: 2 } })], controllers: [OrdersController] })
      class AppModule {}
      const running = await start(platform, AppModule);
      try {
        const response = await observe(await running.get('/orders', { authorization: `Bearer ${await down.sign({ scope: 'orders:read' })}` }));
        expect(response).toMatchObject({ status: 503, retryAfter: '17', cacheControl: 'no-store', body: { error: 'temporarily_unavailable', error_description: 'signing keys are temporarily unavailable' } });
        expect(response.wwwAuthenticate).toContain('error="temporarily_unavailable"');
        expect(running.logger.errors).toEqual([]);
      } finally {
        await running.close();
      }
    });
  });

  describe('two guards on one request', () => {
    it('authenticate once: the second goes by the first guard decision', async () => {
      const real = createVerifier(issuer.options());
      let authentications = 0;
      // The verifier is frozen: count through an object that inherits from it.
      const verifier = Object.create(real, {
        authenticate: { value: (...args: Parameters<typeof real.authenticate>) => ((authentications += 1), real.authenticate(...args)) },
      }) as typeof real;
      @Module({ imports: [TollgateModule.forRoot(verifier)], controllers: [OrdersController], providers: [{ provide: APP_GUARD, useClass: TollgateGuard }] })
      class AppModule {}
      const running = await start(platform, AppModule);
      try {
        // APP_GUARD, then the class's @Scopes guard, then the method's: one verification.
        expect((await running.get('/orders', await bearer('orders:read orders:write'), { method: 'POST' })).status).toBe(201);
        expect(authentications).toBe(1);
      } finally {
        await running.close();
      }
    });
  });
});

