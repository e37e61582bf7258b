// Ways of writing a Nest app that the main suites do not: controllers that extend decorated classes,
// two TollgateModules under Nest's 'deep-hash' module ids, and CORS preflights let through by allowPreflight.
import 'reflect-metadata';
import { All, Controller, Get, Module } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useIssuer } from '../../../test/support/issuer.js';
import { Auth, Public, Scopes, TollgateModule, type AccessToken } from '../src/index.js';
import { PLATFORMS, start, type Running } from './support.js';

@Scopes('admin')
class AdminBase {
  @Get('list')
  list(@Auth() token: AccessToken) {
    return { client: token.clientId };
  }
}

// Adds its own scope to the one it inherits: both are required.
@Controller('sub')
@Scopes('orders:write')
class SubController extends AdminBase {}

// Declares nothing: inherits the parent's requirement.
@Controller('plain')
class PlainController extends AdminBase {}

// Overrides the parent's scopes, as a method's @Public() overrides its class.
@Controller('open-sub')
@Public()
class PublicSubController extends AdminBase {}

@Controller('purge')
class PurgeController {
  @All()
  @Scopes('admin')
  purge(@Auth() token: AccessToken | undefined) {
    // Written defensively, so only @Auth() itself can make a tokenless call fail.
    return { client: token?.clientId ?? null };
  }
}

describe.each(PLATFORMS)('Nest on %s', (platform) => {
  const issuer = useIssuer();
  const bearer = async (scope: string, aud?: string) => ({ authorization: `Bearer ${await issuer.sign(aud ? { scope, aud } : { scope })}` });

  describe('controllers that extend a decorated class', () => {
    let running: Running;
    beforeAll(async () => {
      @Module({ imports: [TollgateModule.forRoot(issuer.options())], controllers: [SubController, PlainController, PublicSubController] })
      class AppModule {}
      running = await start(platform, AppModule);
    });
    afterAll(() => running.close());

    it("a subclass's @Scopes adds to its parent's: both are required, and one 403 names both", async () => {
      const onlyOwn = await running.get('/sub/list', await bearer('orders:write'));
      expect(onlyOwn.status).toBe(403);
      expect(onlyOwn.headers.get('www-authenticate')).toContain('scope="admin orders:write"');
      expect((await running.get('/sub/list', await bearer('admin'))).status).toBe(403);
      expect((await running.get('/sub/list', await bearer('admin orders:write'))).status).toBe(200);
    });

    it("a subclass that declares nothing keeps its parent's requirement", async () => {
      expect((await running.get('/plain/list')).status).toBe(401);
      expect((await running.get('/plain/list', await bearer('orders:write'))).status).toBe(403);
      expect((await running.get('/plain/list', await bearer('admin'))).status).toBe(200);
    });

    it("a subclass's @Public() overrides its parent, and @Auth() there fails closed (500)", async () => {
      expect((await running.get('/open-sub/list')).status).toBe(500);
      running.logger.records.length = 0;
    });
  });

  it('allowPreflight lets a true preflight through a route that requires scopes, and @Auth() there fails closed (500), never undefined', async () => {
    @Module({ imports: [TollgateModule.forRoot(issuer.options(), { allowPreflight: true })], controllers: [PurgeController] })
    class AppModule {}
    const running = await start(platform, AppModule);
    try {
      const preflight = await running.get('/purge', { origin: 'https://app.example.test', 'access-control-request-method': 'DELETE' }, { method: 'OPTIONS' });
      expect(preflight.status).toBe(500);
      expect((await running.get('/purge', {}, { method: 'DELETE' })).status).toBe(401);
      const ok = await running.get('/purge', await bearer('admin'), { method: 'DELETE' });
      expect(await ok.json()).toEqual({ client: 'client-123' });
    } finally {
      await running.close();
    }
  });

  it("two TollgateModules for two APIs in one app stay apart under Nest's 'deep-hash' module ids", async () => {
    @Controller('orders')
    class Orders {
      @Get()
      @Scopes('read')
      list() {
        return 'orders';
      }
    }
    @Controller('billing')
    class Billing {
      @Get()
      @Scopes('read')
      list() {
        return 'billing';
      }
    }
    @Module({ imports: [TollgateModule.forRoot({ ...issuer.options(), audience: 'https://orders.example.test' })], controllers: [Orders] })
    class OrdersModule {}
    @Module({ imports: [TollgateModule.forRoot({ ...issuer.options(), audience: 'https://billing.example.test' })], controllers: [Billing] })
    class BillingModule {}
    const testing = await Test.createTestingModule({ imports: [OrdersModule, BillingModule] }, { moduleIdGeneratorAlgorithm: 'deep-hash' }).compile();
    const app = testing.createNestApplication(platform === 'express' ? new ExpressAdapter() : new FastifyAdapter(), { logger: false });
    await app.init();
    await app.listen(0, '127.0.0.1');
    const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    try {
      const status = async (path: string, aud: string) => (await fetch(`${url}${path}`, { headers: await bearer('read', aud) })).status;
      expect(await status('/billing', 'https://orders.example.test')).toBe(401);
      expect(await status('/billing', 'https://billing.example.test')).toBe(200);
      expect(await status('/orders', 'https://billing.example.test')).toBe(401);
      expect(await status('/orders', 'https://orders.example.test')).toBe(200);
    } finally {
      await app.close();
    }
  });
});
