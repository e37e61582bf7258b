// NestJS: the orders API with TollgateModule, a global TollgateGuard and scopes per route.
import 'reflect-metadata';
import { Controller, Get, HttpCode, Module, Post, type INestApplication, type Type } from '@nestjs/common';
import { APP_GUARD, NestFactory } from '@nestjs/core';
import { Auth, Scopes, TollgateGuard, TollgateModule, type AccessToken, type VerifierOptions } from '@tollgate/nestjs';

@Controller('orders')
class OrdersController {
  @Get()
  @Scopes('orders:read')
  list(@Auth() token: AccessToken) {
    return { orders: [{ id: 1, item: 'coffee' }], client: token.clientId };
  }

  @Post()
  @HttpCode(201)
  @Scopes('orders:write')
  create(@Auth() token: AccessToken) {
    return { id: 2, createdBy: token.clientId };
  }
}

/** The app module: every route needs a valid token (global guard), each route its scope. */
export function ordersModule(options: VerifierOptions): Type<unknown> {
  @Module({
    imports: [TollgateModule.forRoot(options)],
    controllers: [OrdersController],
    providers: [{ provide: APP_GUARD, useClass: TollgateGuard }],
  })
  class AppModule {}
  return AppModule;
}

/**
 * Creates the Nest app (on Express, Nest's default platform) and initialises it; call `listen` to serve.
 * On Fastify: `NestFactory.create(ordersModule(options), new FastifyAdapter())`, nothing else changes.
 */
export async function createNestApp(options: VerifierOptions): Promise<INestApplication> {
  const app = await NestFactory.create(ordersModule(options), { logger: ['error', 'warn'] });
  await app.init();
  return app;
}
