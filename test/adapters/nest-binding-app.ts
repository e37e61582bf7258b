// A Nest app with one route, GET /me behind TollgateGuard, answering the token's binding: for the mTLS suite.
// Decorators are applied by explicit calls, as in test/conformance/apps/nest.ts (Nest's are legacy decorators).
import 'reflect-metadata';
import type { Server } from 'node:http';
import { Controller, Get, Module, UseGuards, type Type } from '@nestjs/common';
import { NestFactory, type AbstractHttpAdapter } from '@nestjs/core';
import { Auth, TollgateGuard, TollgateModule, type AccessToken } from '@tollgate/nestjs';
import type { VerifierOptions } from '@tollgate/core';

/** Builds and initializes the app on `adapter`; returns its HTTP server (not listening yet). */
export async function createNestBindingApp(options: VerifierOptions, adapter: AbstractHttpAdapter): Promise<Server> {
  class MeController {
    me(token: AccessToken | undefined) {
      return token?.binding ?? null;
    }
  }
  Auth()(MeController.prototype, 'me', 0);
  Reflect.defineMetadata('design:paramtypes', [Object], MeController.prototype, 'me');
  const descriptor = Object.getOwnPropertyDescriptor(MeController.prototype, 'me')!;
  const decorated = Reflect.decorate([Get('/me'), UseGuards(TollgateGuard)] as MethodDecorator[], MeController.prototype, 'me', descriptor) as PropertyDescriptor | undefined;
  Object.defineProperty(MeController.prototype, 'me', decorated ?? descriptor);
  const controller = Reflect.decorate([Controller()], MeController) as Type<unknown>;
  class AppModule {}
  const module = Reflect.decorate([Module({ imports: [TollgateModule.forRoot(options)], controllers: [controller] })], AppModule) as Type<unknown>;
  const app = await NestFactory.create(module, adapter, { logger: false });
  await app.init();
  const instance = app.getHttpAdapter().getInstance() as { ready?: () => Promise<unknown> };
  if (typeof instance.ready === 'function') await instance.ready();
  return app.getHttpServer() as Server;
}
