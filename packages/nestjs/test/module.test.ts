// TollgateModule: forRoot and forRootAsync, one configuration per app, and every way to misconfigure it failing closed.
import 'reflect-metadata';
import { Controller, Get, Injectable, Module, UseGuards } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { createTestIssuer, type TestIssuer } from '@tollgate/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { optionsFor, useIssuer } from '../../../test/support/issuer.js';
import { AnyScope, Auth, Claims, OptionalAuth, Public, Scopes, TollgateConfigError, TollgateGuard, TollgateModule, type AccessToken } from '../src/index.js';
import { PLATFORMS, start } from './support.js';

@Controller('me')
class MeController {
  @Get()
  me(@Auth() token: AccessToken) {
    return { client: token.clientId, audience: token.audience };
  }

  @Public()
  @Get('public')
  broken(@Auth() token: AccessToken) {
    return { client: token.clientId };
  }
}

/** Stands in for @nestjs/config's ConfigService: a provider of another module, read by the factory. */
@Injectable()
class ConfigService {
  values: Record<string, string> = {};
  get(key: string): string {
    const value = this.values[key];
    if (value === undefined) throw new Error(`no ${key}`);
    return value;
  }
}
@Module({ providers: [ConfigService], exports: [ConfigService] })
class ConfigModule {}

describe.each(PLATFORMS)('Nest on %s', (platform) => {
  const issuer = useIssuer();

  it('forRootAsync builds the options from injected providers (a ConfigService)', async () => {
    const values = { ISSUER: issuer.current.issuer, AUDIENCE: issuer.current.audience };
    @Module({
      imports: [
        TollgateModule.forRootAsync({
          imports: [ConfigModule],
          inject: [ConfigService],
          useFactory: async (config: ConfigService) => {
            config.values = values;
            return { issuer: config.get('ISSUER'), audience: config.get('AUDIENCE'), allowInsecureRequests: true };
          },
          guardOptions: { realm: 'from-config' },
        }),
      ],
      controllers: [MeController],
      providers: [{ provide: APP_GUARD, useClass: TollgateGuard }],
    })
    class AppModule {}
    const running = await start(platform, AppModule);
    try {
      expect((await running.get('/me')).headers.get('www-authenticate')).toBe('Bearer realm="from-config"');
      const ok = await running.get('/me', { authorization: await issuer.bearer() });
      expect(ok.status).toBe(200);
      expect(await ok.json()).toEqual({ client: 'client-123', audience: [issuer.current.audience] });
    } finally {
      await running.close();
    }
  });

  describe('two apps in one process', () => {
    let other: TestIssuer;
    beforeAll(async () => {
      other = await createTestIssuer({ audience: 'https://other.example.test' });
    });
    afterAll(() => other.close());

    it('each keeps its own verifier, even built from one module class', async () => {
      const appFor = (options: ReturnType<typeof optionsFor>) => {
        @Module({ imports: [TollgateModule.forRoot(options)], controllers: [MeController], providers: [{ provide: APP_GUARD, useClass: TollgateGuard }] })
        class AppModule {}
        return AppModule;
      };
      const first = await start(platform, appFor(issuer.options()));
      const second = await start(platform, appFor(optionsFor(other)));
      // The same module class twice: each app's container makes its own configuration.
      @Module({ imports: [TollgateModule.forRoot(issuer.options())], controllers: [MeController], providers: [{ provide: APP_GUARD, useClass: TollgateGuard }] })
      class Shared {}
      const sharedA = await start(platform, Shared);
      const sharedB = await start(platform, Shared);
      try {
        const mine = { authorization: await issuer.bearer() };
        const theirs = { authorization: `Bearer ${await other.sign()}` };
        expect((await first.get('/me', mine)).status).toBe(200);
        expect((await first.get('/me', theirs)).status).toBe(401);
        expect((await second.get('/me', theirs)).status).toBe(200);
        expect((await second.get('/me', mine)).status).toBe(401);
        expect((await sharedA.get('/me', mine)).status).toBe(200);
        expect((await sharedB.get('/me', mine)).status).toBe(200);
        expect(sharedA.app.get(TollgateGuard)).not.toBe(sharedB.app.get(TollgateGuard));
      } finally {
        await Promise.all([first.close(), second.close(), sharedA.close(), sharedB.close()]);
      }
    });
  });

  describe('logging', () => {
    it('Nest writes nothing to the console for refusals (default logger)', async () => {
      const writes = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
      const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
      const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
      try {
        @Module({ imports: [TollgateModule.forRoot(issuer.options())], controllers: [MeController], providers: [{ provide: APP_GUARD, useClass: TollgateGuard }] })
        class AppModule {}
        const testing = await Test.createTestingModule({ imports: [AppModule] }).compile();
        const { ExpressAdapter } = await import('@nestjs/platform-express');
        const { FastifyAdapter } = await import('@nestjs/platform-fastify');
        const app = testing.createNestApplication(platform === 'express' ? new ExpressAdapter() : new FastifyAdapter());
        await app.listen(0, '127.0.0.1');
        writes.mockClear();
        stdout.mockClear();
        errors.mockClear();
        try {
          const url = await app.getUrl();
          for (const authorization of [undefined, 'Bearer', 'Bearer not.a.token', await issuer.bearer({ exp: 1 })]) {
            const response = await fetch(`${url}/me`, { headers: authorization ? { authorization } : {} });
            expect(response.status).toBeGreaterThanOrEqual(400);
          }
          const logged = () => [...writes.mock.calls, ...stdout.mock.calls].map(([chunk]) => String(chunk)).concat(errors.mock.calls.map((call) => call.join(' ')));
          expect(logged().filter((line) => /ERROR|Exception/.test(line))).toEqual([]);
          // The control: a configuration error (@Auth() on a @Public() route) is logged as an error.
          expect((await fetch(`${url}/me/public`)).status).toBe(500);
          expect(logged().filter((line) => /ERROR|TollgateConfigError/.test(line))).not.toEqual([]);
        } finally {
          await app.close();
        }
      } finally {
        writes.mockRestore();
        stdout.mockRestore();
        errors.mockRestore();
      }
    });
  });

  describe('fails closed', () => {
    it('TollgateGuard without TollgateModule: the app does not start', async () => {
      @Module({ controllers: [MeController], providers: [{ provide: APP_GUARD, useClass: TollgateGuard }] })
      class AppModule {}
      await expect(start(platform, AppModule)).rejects.toThrow(/TollgateGuard has no configuration; import TollgateModule.forRoot/);
    });

    it('@Scopes without TollgateModule (and no guard registered anywhere): the app does not start', async () => {
      @Controller('orders')
      class OrdersController {
        @Get()
        @Scopes('orders:read')
        list() {
          return [];
        }
      }
      @Module({ controllers: [OrdersController] })
      class AppModule {}
      await expect(start(platform, AppModule)).rejects.toThrow(TollgateConfigError);
    });

    it('@UseGuards(TollgateGuard) without TollgateModule: the app does not start', async () => {
      @UseGuards(TollgateGuard)
      @Controller('x')
      class GuardedController {
        @Get()
        x() {
          return {};
        }
      }
      @Module({ controllers: [GuardedController] })
      class AppModule {}
      await expect(start(platform, AppModule)).rejects.toThrow(/TollgateGuard has no configuration/);
    });

    it('invalid options: the app does not start', async () => {
      @Module({ imports: [TollgateModule.forRoot({ issuer: 'not a url', audience: 'x' })], controllers: [MeController] })
      class AppModule {}
      await expect(start(platform, AppModule)).rejects.toThrow(TollgateConfigError);
    });

    it('optional as a module option: the app does not start (use @OptionalAuth())', async () => {
      @Module({ imports: [TollgateModule.forRoot({ ...issuer.options(), optional: true })], controllers: [MeController] })
      class AppModule {}
      await expect(start(platform, AppModule)).rejects.toThrow(/optional is not a module option/);
    });
  });
});

describe('decorators fail where the class is defined', () => {
  it('@Claims with an empty, invalid or missing rule set', () => {
    expect(() => Claims({})).toThrow(/@Claims: invalid claim rules\n {2}- \(rules\): names no claim rule/);
    expect(() => Claims({ tier: { oneOf: [] } })).toThrow(/tier\.oneOf: is empty/);
    expect(() => Claims(undefined as never)).toThrow(/@Claims: invalid claim rules/);
    expect(() => Claims({ scope: 'admin' })).toThrow(/no claim rule on scope/);
  });

  it('@Scopes() and @AnyScope() with no scope', () => {
    expect(() => Scopes()).toThrow(/@Scopes\(\) names no scope/);
    expect(() => AnyScope()).toThrow(/@AnyScope\(\) names no scope/);
  });

  it('an invalid scope', () => {
    expect(() => Scopes('orders read')).toThrow(TollgateConfigError);
  });

  it('@Public() with @Scopes at one level', () => {
    expect(() => {
      class Bad {
        @Public()
        @Scopes('orders:read')
        list() {
          return [];
        }
      }
      return Bad;
    }).toThrow(/@Public\(\) and @Scopes\(\) both on Bad.list contradict each other/);
  });

  it('@OptionalAuth() with @AnyScope on one class', () => {
    expect(() => {
      @AnyScope('a')
      @OptionalAuth()
      class Bad {}
      return Bad;
    }).toThrow(/@AnyScope\(\) and @OptionalAuth\(\) both on class Bad/);
  });

  it('@Public() with @OptionalAuth() on one method', () => {
    expect(() => {
      class Bad {
        @OptionalAuth()
        @Public()
        list() {
          return [];
        }
      }
      return Bad;
    }).toThrow(TollgateConfigError);
  });
});
