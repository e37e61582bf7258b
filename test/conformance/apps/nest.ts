// The conformance app for NestJS; one factory for Nest on Express and Nest on Fastify (the platform is passed in).
// Decorators are applied by explicit calls (what TypeScript's legacy emit does) rather than `@` syntax:
// Nest's decorators are legacy decorators, and this file is type-checked with the suite's standard ones.
import 'reflect-metadata';
import type { Server } from 'node:http';
import { Controller, Get, Module, UseFilters, UseGuards, type INestApplication, type Type } from '@nestjs/common';
import { APP_GUARD, NestFactory, type AbstractHttpAdapter } from '@nestjs/core';
import { AnyScope, Auth, Claims, createVerifier, OptionalAuth, renderProblemJson, Scopes, StepUp, TollgateExceptionFilter, TollgateGuard, TollgateModule, type AccessToken, type Verifier } from '@tollgate/nestjs';
import { protectedResourceMetadata } from '@tollgate/express';
import { tollgate } from '@tollgate/fastify';
import { DECORATED_SCOPE, routeBody, type AppFactory, type AppSpec, type RouteBody, type RouteSpec } from '../spec.js';

/** A Nest platform: how to make its HTTP adapter, and whether its instance must be made ready (Fastify). */
export interface NestPlatform {
  adapter(): AbstractHttpAdapter;
  fastify: boolean;
}

/** Loads a Nest platform package: `@nestjs/platform-express` or `@nestjs/platform-fastify`. */
export async function nestPlatform(name: 'express' | 'fastify'): Promise<NestPlatform> {
  if (name === 'express') {
    const { ExpressAdapter } = await import('@nestjs/platform-express');
    return { adapter: () => new ExpressAdapter(), fastify: false };
  }
  const { FastifyAdapter } = await import('@nestjs/platform-fastify');
  return { adapter: () => new FastifyAdapter(), fastify: true };
}

type Decorator = ClassDecorator | MethodDecorator;

/** The decorators of one route: Nest's idiom for each kind of the spec. */
function routeDecorators(route: RouteSpec): Decorator[] {
  switch (route.kind) {
    case 'auth':
      return [UseGuards(TollgateGuard)];
    case 'plain':
      return []; // protected by the app-wide guard and the controller's @Scopes
    case 'scopes':
      return [Scopes(...route.scopes)];
    case 'anyScopes':
      return [AnyScope(...route.scopes)];
    case 'optional':
      return [OptionalAuth()];
    case 'claims':
      return [Claims(route.claims)];
    case 'stepUp':
      return [StepUp(route.stepUp)];
    case 'decorated':
      return [Scopes(DECORATED_SCOPE)];
    case 'problem':
      return [Scopes(...route.scopes), UseFilters(new TollgateExceptionFilter({ render: renderProblemJson }))];
  }
}

/**
 * One controller with a handler per route, as `@Controller() class { @Get(path) @Scopes(...) r0(@Auth() token) {...} }`
 * would declare it; in the app-wide-scope layout the class itself carries `@Scopes(...appScopes)`.
 */
function routesController(spec: AppSpec): Type<unknown> {
  class RoutesController {}
  const proto = RoutesController.prototype as unknown as Record<string, (token: AccessToken | undefined) => RouteBody>;
  spec.routes.forEach((route, index) => {
    const key = `route${index}`;
    proto[key] = (token) => routeBody(route.path, token);
    Auth()(proto, key, 0);
    Reflect.defineMetadata('design:paramtypes', [Object], proto, key);
    const descriptor = Object.getOwnPropertyDescriptor(proto, key)!;
    const decorated = Reflect.decorate([Get(route.path), ...routeDecorators(route)] as MethodDecorator[], proto, key, descriptor) as PropertyDescriptor | undefined;
    Object.defineProperty(proto, key, decorated ?? descriptor);
  });
  const classDecorators: ClassDecorator[] = [Controller()];
  if (spec.layout === 'app-wide-scope') classDecorators.push(Scopes(...(spec.appScopes ?? [])));
  return Reflect.decorate(classDecorators, RoutesController) as Type<unknown>;
}

/** The app module: TollgateModule.forRoot with the spec's options; the app-wide layout adds the global guard. */
function appModule(spec: AppSpec, verifier: Verifier): Type<unknown> {
  class AppModule {}
  return Reflect.decorate(
    [
      Module({
        imports: [TollgateModule.forRoot(verifier, spec.guard)],
        controllers: [routesController(spec)],
        providers: spec.layout === 'app-wide-scope' ? [{ provide: APP_GUARD, useClass: TollgateGuard }] : [],
      }),
    ],
    AppModule,
  ) as Type<unknown>;
}

export const createNestApp: AppFactory<NestPlatform> = async (platform: NestPlatform, spec: AppSpec): Promise<Server> => {
  const verifier = createVerifier(spec.verifier);
  const app: INestApplication = await NestFactory.create(appModule(spec, verifier), platform.adapter(), { logger: false });
  // RFC 9728 metadata through the platform's own adapter: Express middleware, or a Fastify registration that guards nothing.
  if (verifier.options.metadata && !platform.fastify) app.use(protectedResourceMetadata(verifier));
  if (verifier.options.metadata && platform.fastify) {
    await (app.getHttpAdapter().getInstance() as { register(plugin: unknown, options: unknown): PromiseLike<unknown> }).register(tollgate, { verifier, global: false });
  }
  await app.init();
  if (platform.fastify) await (app.getHttpAdapter().getInstance() as { ready(): Promise<unknown> }).ready();
  return app.getHttpServer() as Server;
};
